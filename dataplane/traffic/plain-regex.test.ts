import { describe, expect, it } from "vitest";
import { fullMatcher } from "../../resources/regex.ts";
import { plainFullMatcher } from "./plain-regex.ts";
import { seededRandom } from "./random.ts";

describe("plainFullMatcher", () => {
  it.each([
    ["/api/v1/products/[0-9]+", ["/api/v1/products/7", "/api/v1/products/123"], ["/api/v1/products/", "/api/v1/products/7/", "/api/v1/products/x"]],
    ["^/v[0-9]+/items/[a-z-]*$", ["/v2/items/", "/v10/items/a-b"], ["/v/items/", "/v2/items/A", "x/v2/items/"]],
    ["o[n]+x", ["onx", "onnnx"], ["ox", "onx!"]],
    ["/a.c?", ["/ab", "/abc", "/a😀"], ["/a", "/a\nc", "/abcd"]],
    ["/x😀+\\.json", ["/x😀.json", "/x😀😀.json"], ["/x.json", "/x😀json"]],
    ["", [""], ["a"]],
  ])("%s", (pattern, matching, failing) => {
    const match = plainFullMatcher(pattern)!;
    expect(match).toBeDefined();
    for (const value of matching) expect(match(value), value).toBe(true);
    for (const value of failing) expect(match(value), value).toBe(false);
  });

  it.each([
    "/a|/b", "/(a)", "/a{2}", "/a*?", "/a**", "*a", "/a\\d", "/[^a]", "[[:digit:]]", "[a\\]]", "[]a]", "[z-a]", "[a-c-e]", "/a$b", "/a^",
    "(?i)/a", "[a", "/a]", "/a}", "\\", `/${"a".repeat(300)}`, "[ab]".repeat(31),
  ])("leaves %s to RE2", (pattern) => {
    expect(plainFullMatcher(pattern)).toBeUndefined();
  });

  it("matches a long literal lead and the longest tail it takes (30 steps) as RE2 does", () => {
    const pattern = `/${"lead/".repeat(20)}${"[ab]?".repeat(29)}c`;
    const match = plainFullMatcher(pattern)!;
    const re2 = fullMatcher(pattern);
    for (const tail of ["c", "abc", `${"ab".repeat(14)}ac`, `${"a".repeat(29)}c`, `${"a".repeat(30)}c`, "cc", "ab"]) {
      const value = `/${"lead/".repeat(20)}${tail}`;
      expect(match(value), tail).toBe(re2(value));
    }
  });

  it("agrees with RE2 on random plain patterns and values", () => {
    const random = seededRandom(20261202);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const atoms = ["a", "b", "/", "-", ".", "\\.", "\\/", "[ab]", "[0-9]", "[a-c/]", "[-a]", "[b-]", "😀", "é", " "];
    const quantifiers = ["", "", "*", "+", "?"];
    const letters = ["a", "b", "c", "/", ".", "-", "0", "9", "😀", "é", "\n", " "];
    let plain = 0;
    let matched = 0;
    for (let n = 0; n < 2000; n++) {
      const parts = Array.from({ length: Math.floor(random() * 6) }, () => pick(atoms) + pick(quantifiers));
      const pattern = (random() < 0.2 ? "^" : "") + parts.join("") + (random() < 0.2 ? "$" : "");
      const match = plainFullMatcher(pattern);
      if (!match) continue;
      plain++;
      const re2 = fullMatcher(pattern);
      for (let k = 0; k < 30; k++) {
        const value = Array.from({ length: Math.floor(random() * 8) }, () => pick(letters)).join("");
        const expected = re2(value);
        if (expected) matched++;
        expect(match(value), `${pattern} on ${JSON.stringify(value)}`).toBe(expected);
      }
    }
    expect(plain).toBeGreaterThan(1500);
    expect(matched).toBeGreaterThan(1000);
  });
});
