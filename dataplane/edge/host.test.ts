import { describe, expect, it } from "vitest";
import type { OutboundCall } from "../outbound/call.ts";
import { requestUrl } from "../request-url.ts";
import { edgeRequestForm } from "./front.ts";

async function edge(url: string, headers: Record<string, string> = {}): Promise<{ status: number; url?: string; host?: string | null; reason?: string }> {
  const call = { flags: [] } as unknown as OutboundCall;
  let seen: Request | undefined;
  const response = await edgeRequestForm(new Request(url, { headers }), call, async (request) => {
    seen = request;
    return new Response("next");
  });
  if (!seen) return { status: response.status, reason: ((await response.json()) as { error: { reason: string } }).error.reason };
  return { status: response.status, url: seen.url, host: seen.headers.get("host") };
}

describe("edgeRequestForm", () => {
  it("writes the one spelling of the host into the URL and the Host header", async () => {
    expect(await edge("http://admin.example.com./a?b=1", { host: "admin.example.com." })).toEqual({ status: 200, url: "http://admin.example.com/a?b=1", host: "admin.example.com" });
    expect(await edge("http://admin.example.com.:8080/a", { host: "ADMIN.example.com.:8080" })).toEqual({ status: 200, url: "http://admin.example.com:8080/a", host: "admin.example.com:8080" });
  });

  it("takes the URL's authority over a different Host header (absolute-form wins)", async () => {
    expect(await edge("http://other.example/a", { host: "admin.example.com" })).toMatchObject({ url: "http://other.example/a", host: "other.example" });
  });

  it("refuses two Host values and malformed hosts with 400 bad_host", async () => {
    expect(await edge("http://a.example/", { host: "a.example, b.example" })).toEqual({ status: 400, reason: "multiple_hosts" });
    // As workerd hands over a Host it could not check (the URL is written from it verbatim).
    const raw = (host: string) => ({ url: `http://${host}/p`, headers: new Headers(), method: "GET", body: null }) as unknown as Request;
    const refused = async (host: string) => {
      const response = await edgeRequestForm(raw(host), { flags: [] } as unknown as OutboundCall, async () => new Response("next"));
      return [response.status, response.headers.get("x-isthmus-error"), ((await response.json()) as { error: { reason: string } }).error.reason];
    };
    expect(await refused("a:99999")).toEqual([400, "bad_host", "invalid_port"]);
    expect(await refused("a..b")).toEqual([400, "bad_host", "empty_label"]);
    expect(await refused("[1")).toEqual([400, "bad_host", "ip_literal"]);
  });

  it("leaves a request already in its one spelling as it is", async () => {
    const request = new Request("http://mesh.test:8080/a", { headers: { host: "mesh.test:8080" } });
    let seen: Request | undefined;
    await edgeRequestForm(request, { flags: [] } as unknown as OutboundCall, async (r) => ((seen = r), new Response()));
    expect(seen).toBe(request);
  });

  it("strips what a client outside the mesh must not bring, in the same one copy as the host", async () => {
    const request = new Request("http://Mesh.test./a", { headers: { host: "mesh.test.", "x-isthmus-svid": "forged", "x-forwarded-client-cert": "forged", "x-envoy-max-retries": "9", "x-kept": "1" } });
    let seen: Request | undefined;
    await edgeRequestForm(request, { flags: [] } as unknown as OutboundCall, async (r) => ((seen = r), new Response()));
    expect([...seen!.headers.keys()].sort()).toEqual(["host", "x-kept"]);
    expect(seen!.url).toBe("http://mesh.test/a");
    expect(requestUrl(seen!).pathname).toBe("/a");
  });
});

describe("requestUrl", () => {
  it("reads a fully qualified host without its trailing dot", () => {
    expect(requestUrl(new Request("http://Admin.Example.com.:8080/x")).host).toBe("admin.example.com:8080");
  });
});
