import { describe, expect, it } from "vitest";
import type { OutboundCall } from "../outbound/call.ts";
import { meshOf } from "../security/test-snapshot.ts";
import { NoRouteError } from "../traffic/mesh-error.ts";
import { selectGatewayServers } from "./servers.ts";

const mesh = meshOf(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 80, name: http, protocol: HTTP }
    hosts: [shop/shop.example, "*/secure.example"]
    tls: { httpsRedirect: true }
  - port: { number: 443, name: https, protocol: HTTPS }
    hosts: ["*/secure.example"]
  - port: { number: 80, name: http-plain, protocol: HTTP }
    hosts: [./plain.example]
`);

async function serve(url: string, headers: Record<string, string> = {}): Promise<{ status: number; location?: string | null; scopes?: readonly string[] }> {
  const call = { mesh, env: {}, source: { namespace: "istio-system", labels: { istio: "ingressgateway" } }, scopes: [] } as unknown as OutboundCall;
  try {
    const response = await selectGatewayServers(new Request(url, { headers }), call, async () => new Response("routed"));
    return { status: response.status, location: response.headers.get("location"), scopes: call.scopes };
  } catch (error) {
    if (error instanceof NoRouteError) return { status: 404 };
    throw error;
  }
}

describe("selectGatewayServers", () => {
  it("matches servers by the host part of ns/host", async () => {
    expect(await serve("http://plain.example/")).toMatchObject({ status: 200, scopes: ["istio-system/edge"] });
    expect(await serve("http://other.example/")).toEqual({ status: 404 });
  });

  it("answers plain HTTP to an httpsRedirect server with 301 to the same URL over https", async () => {
    expect(await serve("http://secure.example/a/b?c=1")).toMatchObject({ status: 301, location: "https://secure.example/a/b?c=1" });
    expect(await serve("http://shop.example/")).toMatchObject({ status: 301, location: "https://shop.example/" });
  });

  it("does not redirect HTTPS, by URL or by x-forwarded-proto, and redirects x-forwarded-proto: http", async () => {
    expect(await serve("https://secure.example/")).toMatchObject({ status: 200 });
    expect(await serve("http://secure.example/", { "x-forwarded-proto": "https" })).toMatchObject({ status: 200 });
    expect(await serve("http://plain.example/")).toMatchObject({ status: 200 });
  });
});
