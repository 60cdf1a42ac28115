import { describe, expect, it } from "vitest";
import { fetchedResponse, meshBuilt, mutableResponse } from "./mutable-response.ts";

describe("mutableResponse", () => {
  it("copies a response whose headers cannot be written, once: later writers reuse the copy", async () => {
    const upstream = Response.redirect("http://x/", 302); // immutable headers, as fetch's
    expect(() => upstream.headers.set("x-a", "1")).toThrow();
    const first = mutableResponse(upstream);
    expect(first).not.toBe(upstream);
    first.headers.set("x-a", "1");
    const second = mutableResponse(first);
    expect(second).toBe(first);
    second.headers.set("x-b", "2");
    expect([second.status, second.headers.get("location"), second.headers.get("x-a"), second.headers.get("x-b")]).toEqual([302, "http://x/", "1", "2"]);
  });

  it("writes in place on a response the mesh built", async () => {
    const built = meshBuilt(new Response("refused", { status: 403 }));
    expect(mutableResponse(built)).toBe(built);
  });

  it("writes in place on a response whose headers are writable (one the service made): no copy", async () => {
    const made = new Response("ok", { headers: { "x-a": "1" } });
    const out = mutableResponse(made);
    expect(out).toBe(made);
    out.headers.set("x-b", "2");
    expect([made.headers.get("x-a"), made.headers.get("x-b"), await made.text()]).toEqual(["1", "2", "ok"]);
  });

  it("copies a response recorded as fetched without probing it, once", async () => {
    const upstream = fetchedResponse(new Response("ok", { headers: { "x-a": "1" } }));
    const copy = mutableResponse(upstream);
    expect(copy).not.toBe(upstream);
    expect(mutableResponse(copy)).toBe(copy);
    copy.headers.set("x-b", "2");
    expect([upstream.headers.get("x-b"), copy.headers.get("x-a"), await copy.text()]).toEqual([null, "1", "ok"]);
  });

  it("keeps status, status text and body in the copy", async () => {
    const copy = mutableResponse(new Response("body", { status: 201, statusText: "Made", headers: { "x-a": "1" } }));
    expect([copy.status, copy.statusText, copy.headers.get("x-a"), await copy.text()]).toEqual([201, "Made", "1", "body"]);
  });
});
