import { describe, expect, it } from "vitest";
import { applyHeaderOperations, applyRequestHeaders, applyResponseHeaders, withResponseHeaders } from "./headers.ts";

describe("applyHeaderOperations", () => {
  it("removes, then sets, then adds", () => {
    const headers = new Headers({ a: "1", b: "2", c: "3" });
    applyHeaderOperations(headers, { remove: ["a", "c"], set: { b: "two", c: "three" }, add: { b: "again", d: "4" } });
    expect(headers.get("a")).toBeNull();
    expect(headers.get("b")).toBe("two, again");
    expect(headers.get("c")).toBe("three");
    expect(headers.get("d")).toBe("4");
  });
});

describe("route and destination levels", () => {
  const route = { headers: { request: { set: { "x-level": "route" } }, response: { remove: ["server"], set: { "x-served-by": "route" } } } };
  const destination = { headers: { request: { set: { "x-level": "destination", "x-dest": "v2" } }, response: { add: { "x-served-by": "destination" } } } };

  it("applies the destination first and the route last", () => {
    const headers = new Headers();
    applyRequestHeaders(headers, route, destination);
    expect(headers.get("x-level")).toBe("route");
    expect(headers.get("x-dest")).toBe("v2");
    const response = new Headers({ server: "istio-envoy" });
    applyResponseHeaders(response, route, destination);
    expect(response.get("server")).toBeNull();
    expect(response.get("x-served-by")).toBe("route");
  });

  it("withResponseHeaders copies an immutable response", async () => {
    const upstream = Response.redirect("http://x/", 302); // immutable headers
    const out = withResponseHeaders(upstream, route, destination);
    expect(out.status).toBe(302);
    expect(out.headers.get("x-served-by")).toBe("route");
    const plain = new Response("ok");
    expect(withResponseHeaders(plain, {}, undefined)).toBe(plain);
  });
});
