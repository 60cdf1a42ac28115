import { describe, expect, it } from "vitest";
import type { OutboundCall } from "../outbound/call.ts";
import { meshOf } from "../security/test-snapshot.ts";
import { NoRouteError } from "../traffic/mesh-error.ts";
import { selectGatewayServers } from "./servers.ts";
import type { ClientCertificateError } from "./tls-client-auth.ts";

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

async function serve(url: string, headers: Record<string, string> = {}, on = mesh): Promise<{ status: number; location?: string | null; scopes?: readonly string[] }> {
  const call = { mesh: on, env: {}, source: { namespace: "istio-system", labels: { istio: "ingressgateway" } }, scopes: [] } as unknown as OutboundCall;
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

  it("serves a server on 80 or 8080 for plain HTTP on whatever port the URL has, and not for HTTPS", async () => {
    for (const number of [80, 8080]) {
      const plain = meshOf(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: bookinfo-gateway }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: ${number}, name: http, protocol: HTTP }
    hosts: ["*"]
`);
      for (const url of ["http://127.0.0.1:8080/productpage", "http://127.0.0.1:41234/productpage", "http://bookinfo.example/productpage"]) {
        expect(await serve(url, {}, plain), `${number} ${url}`).toMatchObject({ status: 200, scopes: ["default/bookinfo-gateway"] });
      }
      expect(await serve("https://bookinfo.example/productpage", {}, plain), `${number} https`).toEqual({ status: 404 });
    }
  });

  it("serves a server on 443 or 8443 for HTTPS only", async () => {
    for (const number of [443, 8443]) {
      const secure = meshOf(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: secure }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: ${number}, name: https, protocol: HTTPS }
    hosts: ["*"]
`);
      expect(await serve("https://bookinfo.example/", {}, secure), `${number}`).toMatchObject({ status: 200, scopes: ["default/secure"] });
      expect(await serve("https://127.0.0.1:8443/", {}, secure), `${number}`).toMatchObject({ status: 200 });
      expect(await serve("http://bookinfo.example/", {}, secure), `${number}`).toEqual({ status: 404 });
      // A proxy's x-forwarded-proto does not move a request to another listener.
      expect(await serve("http://bookinfo.example/", { "x-forwarded-proto": "https" }, secure), `${number}`).toEqual({ status: 404 });
    }
  });

  it("on a MUTUAL server, refuses a request without a verified client certificate by cf.tlsClientAuth only", async () => {
    const mutual = meshOf(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: mutual }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 443, name: https, protocol: HTTPS }
    hosts: [mtls.example]
    tls: { mode: MUTUAL, credentialName: mtls-credential }
  - port: { number: 443, name: https-open, protocol: HTTPS }
    hosts: [open.example]
    tls: { mode: OPTIONAL_MUTUAL }
  - port: { number: 80, name: http, protocol: HTTP }
    hosts: [mtls.example]
`);
    const withCert = (url: string, tlsClientAuth?: Record<string, string>, headers: Record<string, string> = {}) => {
      const call = { mesh: mutual, env: {}, source: { namespace: "istio-system", labels: { istio: "ingressgateway" } }, scopes: [] } as unknown as OutboundCall;
      const request = Object.assign(new Request(url, { headers }), tlsClientAuth ? { cf: { tlsClientAuth } } : {});
      return Promise.resolve()
        .then(() => selectGatewayServers(request, call, async () => new Response("routed")))
        .then(
        (r) => ({ status: r.status }),
        (e: ClientCertificateError) => ({ status: e.status, code: e.code, reason: e.reason }),
      );
    };
    const verified = { certPresented: "1", certVerified: "SUCCESS", certRevoked: "0" };
    expect(await withCert("https://mtls.example/", verified)).toEqual({ status: 200 });
    expect(await withCert("https://mtls.example/")).toMatchObject({ status: 403, code: "client_cert_missing" });
    expect(await withCert("https://mtls.example/", { certPresented: "0", certVerified: "NONE" })).toMatchObject({ status: 403, code: "client_cert_missing" });
    expect(await withCert("https://mtls.example/", { certPresented: "1", certVerified: "FAILED:self signed certificate" })).toEqual({
      status: 403,
      code: "client_cert_unverified",
      reason: "FAILED:self signed certificate",
    });
    expect(await withCert("https://mtls.example/", { ...verified, certRevoked: "1" })).toMatchObject({ status: 403, code: "client_cert_revoked" });
    // A header claiming a certificate counts for nothing.
    expect(await withCert("https://mtls.example/", undefined, { "cf-tls-client-auth": JSON.stringify(verified), "x-forwarded-client-cert": "By=spiffe://x" })).toMatchObject({
      status: 403,
      code: "client_cert_missing",
    });
    // OPTIONAL_MUTUAL: no certificate passes, a failed one does not; the HTTP server asks nothing.
    expect(await withCert("https://open.example/")).toEqual({ status: 200 });
    expect(await withCert("https://open.example/", { certPresented: "1", certVerified: "FAILED:x" })).toMatchObject({ status: 403, code: "client_cert_unverified" });
    expect(await withCert("http://mtls.example/")).toEqual({ status: 200 });
  });
});
