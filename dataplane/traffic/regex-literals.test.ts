import { describe, expect, it } from "vitest";
import { fullMatcher } from "../../resources/regex.ts";
import { seededRandom } from "./random.ts";
import { regexLiteralPrefix, regexLiteralSuffix } from "./regex-literals.ts";

describe("regexLiteralSuffix", () => {
  it.each([
    ["/api/v1/products/[0-9]+/reviews", "/reviews"],
    ["(?:/api|/svc)/v[0-9]+/products/[0-9]+/r7", "/r7"],
    ["(?P<id>[0-9]+)/x", "/x"],
    ["(?<id>[0-9]+)/x", "/x"],
    ["/a\\.json$", "/a.json"],
    ["/a$b", "b"],
    ["/ab*", ""],
    ["/ab+c", "c"],
    ["/ab{2}", ""],
    ["/a{2,}b", "b"],
    ["/a{,2}", ""],
    ["/x[]a]y", "y"],
    ["/x[^]a]y", "y"],
    ["/x[[:digit:]]y", "y"],
    ["/x[a\\]]y", "y"],
    ["/a|/b", ""],
    ["/(a|b)c", "c"],
    ["/api(?i)/x", ""],
    ["(?i)/abc", ""],
    ["/n\\pN", ""],
    ["/\\x41", ""],
    ["/\\Qa.b\\E", ""],
    ["/a\\d", ""],
    ["/a\\dz", "z"],
    ["/a\\\\", "/a\\"],
    ["/x😀+", ""],
    ["/x😀", "/x😀"],
    ["/x.", ""],
    ["^/api/[a-z]+/v1$", "/v1"],
    ["/a(b)c$", "c"],
    ["/x]y", "/x]y"],
    ["/a}b", "/a}b"],
    ["/x[ab]", ""],
  ])("%s -> %j", (pattern, suffix) => {
    expect(regexLiteralSuffix(pattern)).toBe(suffix);
  });

  // The readings are necessary conditions: whatever RE2 full-matches starts with the prefix
  // and ends with the suffix.
  it("never contradicts RE2 on random patterns and values", () => {
    const random = seededRandom(16);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const atoms = ["a", "b", "/", ".", "\\.", "[ab]", "[^a]", "(a|b)", "(?:ab)", "\\d", "0", "😀", "]", "}", "\\\\"];
    const quantifiers = ["", "", "", "*", "+", "?", "{2}", "{1,}", "*?"];
    const letters = ["a", "b", "/", ".", "0", "😀", "]", "}", "\\"];
    let checked = 0;
    for (let n = 0; n < 3000; n++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(atoms) + pick(quantifiers));
      const pattern = (random() < 0.1 ? "^" : "") + parts.join("") + (random() < 0.1 ? "$" : "");
      let match: (value: string) => boolean;
      try {
        match = fullMatcher(pattern);
      } catch {
        continue;
      }
      const prefix = regexLiteralPrefix(pattern);
      const suffix = regexLiteralSuffix(pattern);
      for (let k = 0; k < 20; k++) {
        const value = Array.from({ length: Math.floor(random() * 7) }, () => pick(letters)).join("");
        if (!match(value)) continue;
        checked++;
        expect(value.startsWith(prefix) && value.endsWith(suffix), `${pattern} matches ${value}`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(500);
  });
});
