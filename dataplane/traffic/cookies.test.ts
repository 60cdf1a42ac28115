import { describe, expect, it } from "vitest";
import { cookieValue, setCookieValue, withoutCookie } from "./cookies.ts";

describe("cookies", () => {
  it("reads one cookie of a Cookie header, quoted or not", () => {
    expect(cookieValue('a=1; user="jason"; b=2', "user")).toBe("jason");
    expect(cookieValue("a=1; b=2", "b")).toBe("2");
    expect(cookieValue("a=1", "user")).toBeUndefined();
    expect(cookieValue(null, "user")).toBeUndefined();
  });

  it("removes one cookie and keeps the others", () => {
    expect(withoutCookie("a=1; token=x.y.z; b=2", "token")).toBe("a=1; b=2");
    expect(withoutCookie("token=x", "token")).toBeNull();
  });

  it("writes Set-Cookie as Envoy does for a generated hash cookie", () => {
    expect(setCookieValue("user", "abc", { maxAgeSeconds: 60, path: "/" })).toBe('user="abc"; Max-Age=60; Path=/; HttpOnly');
    expect(setCookieValue("user", "abc", { maxAgeSeconds: 0 })).toBe('user="abc"; HttpOnly');
  });
});
