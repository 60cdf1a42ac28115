import { describe, expect, it } from "vitest";
import { InvalidRegexError } from "./errors.ts";
import { MAX_PROGRAM_SIZE, compileRegex, fullMatcher } from "./regex.ts";

const refusal = (pattern: string) => {
  try {
    compileRegex(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRegexError);
    expect((error as InvalidRegexError).code).toBe("invalid_regex");
    return (error as Error).message;
  }
  throw new Error(`${pattern} compiled`);
};

describe("fullMatcher", () => {
  it("matches the whole input, as Envoy's RE2 full match does", () => {
    const match = fullMatcher("/reviews/[0-9]+");
    expect(match("/reviews/12")).toBe(true);
    expect(match("/reviews/12/x")).toBe(false);
    expect(match("/api/reviews/12")).toBe(false);
    expect(fullMatcher("a|b")("ab")).toBe(false);
    expect(fullMatcher("a|ab")("ab")).toBe(true);
  });

  it.each([
    ["[[:digit:]]+", ["2024"], ["20a4", ""]],
    ["\\pN+", ["42", "٤٢", "Ⅻ"], ["4x"]],
    ["\\pL+", ["héllo", "Ελλάδα"], ["a1"]],
    ["\\p{Greek}+", ["αβγ"], ["abc"]],
    ["\\PL", ["1"], ["a"]],
    ["\\Q.*\\E", [".*"], ["ab", ""]],
    ["/\\Qa+b\\E/[0-9]+", ["/a+b/1"], ["/aab/1"]],
    ["a(?i)b", ["ab", "aB"], ["AB", "Ab"]],
    ["(?i)/Reviews", ["/REVIEWS", "/reviews"], ["/review"]],
    ["(?P<x>a)b", ["ab"], ["b"]],
    ["(?:ab)+", ["abab"], ["aba"]],
    ["\\Aabc\\z", ["abc"], ["abcd"]],
    ["[]a]+", ["]a"], ["b"]],
    ["[^]a]", ["b"], ["]"]],
    ["x{2,}", ["xx", "xxxx"], ["x"]],
    ["(?s).+", ["a\nb"], [""]],
    [".+", ["ab"], ["a\nb"]],
    ["a{,2}", ["a{,2}"], ["aa"]],
  ])("%s matches as RE2 does", (pattern, yes, no) => {
    const match = fullMatcher(pattern);
    for (const value of yes) expect(match(value), `${pattern} ~ ${JSON.stringify(value)}`).toBe(true);
    for (const value of no) expect(match(value), `${pattern} !~ ${JSON.stringify(value)}`).toBe(false);
  });

  it("matches patterns that backtrack catastrophically in JavaScript on 50,000 characters (linear time)", () => {
    const input = "a".repeat(50_000);
    expect(fullMatcher("(a+)+$")(`${input}!`)).toBe(false);
    expect(fullMatcher("(a|aa)*c")(input)).toBe(false);
    expect(fullMatcher("(a*)*b")(input)).toBe(false);
    expect(fullMatcher("(.*a){20}")(input)).toBe(true);
    expect(fullMatcher("(\\w+\\s?)*x")(`${"word ".repeat(10_000)}!`)).toBe(false);
  });
});

describe("compileRegex", () => {
  it("refuses what RE2 refuses, naming the construct", () => {
    expect(refusal("a(?=b)")).toMatch(/lookahead is not supported/);
    expect(refusal("a(?!b)")).toMatch(/lookahead is not supported/);
    expect(refusal("(?<=a)b")).toMatch(/lookbehind is not supported/);
    expect(refusal("(?<!a)b")).toMatch(/lookbehind is not supported/);
    expect(refusal("(a)\\1")).toMatch(/backreferences are not supported/);
    expect(refusal("(?<x>a)\\k<x>")).toMatch(/backreferences are not supported/);
    expect(refusal("(?P<x>a)(?P=x)")).toMatch(/backreferences are not supported/);
    expect(refusal("a++")).toMatch(/invalid nested repetition operator/);
    expect(refusal("(?x) a")).toMatch(/invalid or unsupported Perl syntax/);
    expect(refusal("a{1001}")).toMatch(/invalid repeat count/);
    expect(refusal("(a{100}){100}")).toMatch(/invalid repeat count/);
    expect(refusal("(?P<x>a)(?P<x>b)")).toMatch(/duplicate capture group name/);
  });

  it("refuses patterns that do not parse, quoting them as written", () => {
    expect(refusal("[a-")).toBe('invalid regex "[a-": missing closing ]: `[a-`');
    expect(refusal("(a")).toMatch(/^invalid regex "\(a": missing closing \)/);
    expect(refusal("a)")).toMatch(/unexpected \)/);
    expect(refusal("a\\")).toMatch(/trailing backslash/);
    expect(refusal("*a")).toMatch(/missing argument to repetition operator/);
    expect(refusal("[z-a]")).toMatch(/invalid character class range/);
    expect(refusal("\\pX")).toMatch(/invalid character class range: `\\pX`/);
    expect(refusal("\\p{Klingon}")).toMatch(/invalid character class range/);
    expect(refusal("[[:word2:]]")).toMatch(/invalid character class range/);
    expect(refusal("\\Z")).toMatch(/invalid escape sequence/);
  });

  it("refuses a program larger than Istio's re2.max_program_size (32768)", () => {
    const branches = Array.from({ length: 40 }, (_, i) => `${String.fromCharCode(97 + (i % 26))}${i}x{1000}`).join("|");
    expect(refusal(branches)).toMatch(new RegExp(`compiles to \\d+ instructions, more than the ${MAX_PROGRAM_SIZE}`));
    expect(compileRegex("[a-z]{1000}").programSize()).toBeLessThan(MAX_PROGRAM_SIZE);
  });
});
