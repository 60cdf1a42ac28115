import { describe, expect, it } from "vitest";
import { compileStringMatch } from "./string-match.ts";

describe("compileStringMatch", () => {
  it("exact, prefix and full-match regex", () => {
    expect(compileStringMatch({ exact: "/a" })("/a")).toBe(true);
    expect(compileStringMatch({ exact: "/a" })("/a/")).toBe(false);
    expect(compileStringMatch({ prefix: "/a" })("/ab")).toBe(true);
    expect(compileStringMatch({ prefix: "/a" })("/b")).toBe(false);
    const regex = compileStringMatch({ regex: "/api/v[0-9]+" });
    expect(regex("/api/v12")).toBe(true);
    expect(regex("/api/v12/x")).toBe(false); // full match, as RE2 in Envoy
    expect(regex("x/api/v1")).toBe(false);
    expect(compileStringMatch({ regex: "a|b" })("ab")).toBe(false);
  });

  it("regex is RE2: POSIX classes, Unicode classes, \\Q..\\E, flags mid-pattern", () => {
    const match = compileStringMatch({ regex: "/items/[[:digit:]]+/\\pN(?i)X\\Q.*\\E" });
    expect(match("/items/42/٣x.*")).toBe(true);
    expect(match("/items/42/٣X.*")).toBe(true);
    expect(match("/items/42/٣xab")).toBe(false);
    expect(match("/items/4a/٣x.*")).toBe(false);
  });

  it("ignoreCase for exact and prefix", () => {
    expect(compileStringMatch({ exact: "/Reviews" }, { ignoreCase: true })("/REVIEWS")).toBe(true);
    expect(compileStringMatch({ prefix: "/API" }, { ignoreCase: true })("/api/x")).toBe(true);
    expect(compileStringMatch({ exact: "/Reviews" })("/REVIEWS")).toBe(false);
  });

  it("an empty match is presence", () => {
    expect(compileStringMatch({})("")).toBe(true);
    expect(compileStringMatch({})("anything")).toBe(true);
  });
});
