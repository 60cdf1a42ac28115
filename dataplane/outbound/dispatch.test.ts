import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamConnectFailureError } from "../traffic/mesh-error.ts";
import { bindingName, dispatchToEndpoint } from "./dispatch.ts";

let origin: Server;
let port = 0;

beforeAll(async () => {
  origin = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ url: request.url, host: request.headers.host }));
  });
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  port = (origin.address() as { port: number }).port;
});

afterAll(() => new Promise((resolve) => origin.close(resolve)));

describe("dispatchToEndpoint", () => {
  it("names the binding of a worker:// endpoint as the registry contract says", () => {
    expect(bindingName("reviews-v2")).toBe("REVIEWS_V2");
    expect(bindingName("bookinfo.ratings-v1")).toBe("BOOKINFO_RATINGS_V1");
  });

  it("sends worker:// endpoints through the service binding, URL unchanged", async () => {
    const seen: string[] = [];
    const env = { REVIEWS_V2: { fetch: async (request: Request) => (seen.push(request.url), new Response("v2")) } };
    const response = await dispatchToEndpoint(new Request("http://reviews:9080/reviews/1"), "worker://reviews-v2", env);
    expect(await response.text()).toBe("v2");
    expect(seen).toEqual(["http://reviews:9080/reviews/1"]);
  });

  it("sends dispatch:// endpoints to the named script of the dispatch namespace", async () => {
    const scripts: string[] = [];
    const env = { TENANTS: { get: (script: string) => (scripts.push(script), { fetch: async () => new Response("tenant") }) } };
    const response = await dispatchToEndpoint(new Request("http://shop/x"), "dispatch://TENANTS/shop-v7", env);
    expect(await response.text()).toBe("tenant");
    expect(scripts).toEqual(["shop-v7"]);
  });

  it("sends http:// endpoints to the origin with the request's path and query under its base path", async () => {
    const response = await dispatchToEndpoint(new Request("http://ratings/ratings/1?x=1"), `http://127.0.0.1:${port}/base`, {});
    expect(await response.json()).toEqual({ url: "/base/ratings/1?x=1", host: `127.0.0.1:${port}` });
  });

  it("sends origin requests through the named mTLS certificate binding when one is configured", async () => {
    const through: string[] = [];
    const env = { MESH_CLIENT_CERT: { fetch: async (request: Request) => (through.push(request.url), new Response("with certificate")) } };
    const response = await dispatchToEndpoint(new Request("http://payments/charge"), "https://payments.example.com/v1", env, "mesh-client-cert");
    expect(await response.text()).toBe("with certificate");
    expect(through).toEqual(["https://payments.example.com/v1/charge"]);
    await expect(dispatchToEndpoint(new Request("http://payments/charge"), "https://payments.example.com", {}, "absent")).rejects.toBeInstanceOf(UpstreamConnectFailureError);
  });

  it("reports a missing binding or an unreachable origin as an upstream connect failure (UF)", async () => {
    await expect(dispatchToEndpoint(new Request("http://x/"), "worker://nowhere", {})).rejects.toBeInstanceOf(UpstreamConnectFailureError);
    await expect(dispatchToEndpoint(new Request("http://x/"), "http://127.0.0.1:1", {})).rejects.toMatchObject({ code: "upstream_connect_failure", status: 503 });
  });
});
