import { describe, expect, it } from "vitest";
import { hashKeyOf } from "./hash-key.ts";

describe("hashKeyOf", () => {
  const request = new Request("http://reviews/x?user=q-7&b=2", {
    headers: { "end-user": "jason", cookie: 'a=1; session="s-42"; other=x' },
  });

  it("reads a header, a cookie, a query parameter or the source IP", () => {
    expect(hashKeyOf(request, { httpHeaderName: "end-user" })).toBe("jason");
    expect(hashKeyOf(request, { httpHeaderName: "End-User" })).toBe("jason");
    expect(hashKeyOf(request, { httpCookie: { name: "session" } })).toBe("s-42");
    expect(hashKeyOf(request, { httpCookie: { name: "a" } })).toBe("1");
    expect(hashKeyOf(request, { httpQueryParameterName: "user" })).toBe("q-7");
    expect(hashKeyOf(request, { useSourceIp: true }, "203.0.113.9")).toBe("203.0.113.9");
  });

  it("is undefined when the request lacks the key", () => {
    expect(hashKeyOf(request, { httpHeaderName: "x-missing" })).toBeUndefined();
    expect(hashKeyOf(request, { httpCookie: { name: "sess" } })).toBeUndefined();
    expect(hashKeyOf(new Request("http://r/"), { httpCookie: { name: "a" } })).toBeUndefined();
    expect(hashKeyOf(request, { httpQueryParameterName: "nope" })).toBeUndefined();
    expect(hashKeyOf(request, { useSourceIp: true })).toBeUndefined();
    expect(hashKeyOf(request, {})).toBeUndefined();
  });
});
