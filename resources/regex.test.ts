import { describe, expect, it } from "vitest";
import { InvalidRegexError } from "./errors.ts";
import { compileRegex } from "./regex.ts";

const refusal = (pattern: string) => {
  try {
    compileRegex(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRegexError);
    return (error as Error).message;
  }
  throw new Error(`${pattern} compiled`);
};

describe("compileRegex", () => {
  it("matches the whole input, as Envoy's RE2 full match does", () => {
    const re = compileRegex("/reviews/[0-9]+");
    expect(re.test("/reviews/12")).toBe(true);
    expect(re.test("/reviews/12/x")).toBe(false);
    expect(re.test("/api/reviews/12")).toBe(false);
    expect(compileRegex("a|b").test("ab")).toBe(false);
  });

  it("can search without anchoring, for regex rewrites", () => {
    expect("/v1/reviews".replace(compileRegex("v1", { fullMatch: false }), "v2")).toBe("/v2/reviews");
  });

  it("translates RE2 forms with a JavaScript equivalent", () => {
    expect(compileRegex("(?i)/Reviews").test("/REVIEWS")).toBe(true);
    expect(compileRegex("(?P<id>[0-9]+)").exec("42")?.groups?.id).toBe("42");
    expect(compileRegex("\\Aabc\\z").test("abc")).toBe(true);
    expect(compileRegex("[]a]+").test("]a")).toBe(true);
    expect(compileRegex("[^]a]").test("b")).toBe(true);
    expect(compileRegex("[\\]]").test("]")).toBe(true);
  });

  it("refuses what RE2 refuses", () => {
    expect(refusal("a(?=b)")).toMatch(/lookahead is not supported/);
    expect(refusal("a(?!b)")).toMatch(/lookahead is not supported/);
    expect(refusal("(?<=a)b")).toMatch(/lookbehind is not supported/);
    expect(refusal("(?<!a)b")).toMatch(/lookbehind is not supported/);
    expect(refusal("(a)\\1")).toMatch(/backreferences are not supported/);
    expect(refusal("(?<x>a)\\k<x>")).toMatch(/backreferences are not supported/);
    expect(refusal("a(?i)b")).toMatch(/inline flags are only supported as a leading/);
  });

  it("refuses patterns that do not compile, quoting them as written", () => {
    expect(refusal("[a-")).toMatch(/^invalid regex "\[a-": .*\/\[a-\//);
    expect(refusal("(a")).toMatch(/^invalid regex "\(a"/);
    expect(refusal("a\\")).toMatch(/trailing backslash/);
    expect(refusal("*a")).toMatch(/^invalid regex/);
  });

  it("keeps escapes and classes that only look like refused forms", () => {
    expect(compileRegex("[\\1]").test("\u0001")).toBe(true);
    expect(compileRegex("\\(\\?=\\)").test("(?=)")).toBe(true);
    expect(compileRegex("(?:ab)+").test("abab")).toBe(true);
  });
});
