import { describe, expect, it } from "vitest";
import { InvalidRegexError, InvalidRegexRewriteError } from "./errors.ts";
import { compileRegexRewrite } from "./regex-rewrite.ts";

const rewrite = (match: string, replacement: string, path: string) => compileRegexRewrite(match, replacement)(path);

describe("compileRegexRewrite (RE2::GlobalReplace, as Envoy's regex_rewrite)", () => {
  it("substitutes \\0..\\9 and \\\\; $ is literal", () => {
    expect(rewrite("^/service/([^/]+)(/.*)$", "\\2/instance/\\1", "/service/foo/v1/api")).toBe("/v1/api/instance/foo");
    expect(rewrite("/v([0-9]+)/", "[\\0]", "/v12/x")).toBe("[/v12/]x");
    expect(rewrite("price", "$1cost", "/price")).toBe("/$1cost");
    expect(rewrite("/a", "/\\\\a", "/a")).toBe("/\\a");
    expect(rewrite("(?P<id>[0-9]+)", "n\\1", "/7")).toBe("/n7");
  });

  it("replaces every non-overlapping match, left to right, and leaves an unmatched path alone", () => {
    expect(rewrite("-", "/", "/a-b-c")).toBe("/a/b/c");
    expect(rewrite("aa", "b", "/aaa")).toBe("/ba");
    expect(rewrite("x", "y", "/abc")).toBe("/abc");
  });

  it("an unmatched group is empty", () => {
    expect(rewrite("/(a)|/(b)", "[\\1\\2]", "/b")).toBe("[b]");
  });

  it("skips an empty match right after a match, as RE2 does (JavaScript's replace would not)", () => {
    expect(rewrite(".*", "/x", "/foo")).toBe("/x");
    expect(rewrite("a*", "-", "baaac")).toBe("-b-c-");
    expect(rewrite("^", "/p", "/q")).toBe("/p/q");
  });

  it("reads ^ and \\b against the whole path, not where the search resumes", () => {
    expect(rewrite("^/a", "/b", "/a/a")).toBe("/b/a");
    expect(rewrite("\\bx", "y", "/x/ax/x")).toBe("/y/ax/y");
  });

  it("steps over a whole code point after an empty match", () => {
    expect(rewrite("x*", "-", "😀")).toBe("-😀-");
  });

  it("rewrites a 50,000-character path with a pattern that backtracks in JavaScript", () => {
    const path = `/${"a".repeat(50_000)}`;
    expect(rewrite("(a|aa)*c", "x", path)).toBe(path);
    expect(rewrite("/(a+)+$", "/b", path)).toBe("/b");
  });

  it("refuses a rewrite RE2 cannot apply, and a regex RE2 refuses", () => {
    const refused = (match: string, replacement: string) => {
      try {
        compileRegexRewrite(match, replacement);
      } catch (error) {
        return error as Error & { code: string };
      }
      throw new Error("compiled");
    };
    expect(refused("/(a)", "\\2")).toBeInstanceOf(InvalidRegexRewriteError);
    expect(refused("/(a)", "\\2").message).toBe('invalid regex rewrite "\\\\2": \\2 refers to group 2, but the regex has 1 group');
    expect(refused("/a", "\\1").message).toMatch(/but the regex has no groups/);
    expect(refused("/a", "\\n").message).toMatch(/"\\n" is not \\0..\\9 or \\\\/);
    expect(refused("/a", "x\\").message).toMatch(/trailing backslash/);
    expect(refused("/a", "\\2").code).toBe("invalid_regex_rewrite");
    expect(refused("(a)\\1", "x")).toBeInstanceOf(InvalidRegexError);
  });
});
