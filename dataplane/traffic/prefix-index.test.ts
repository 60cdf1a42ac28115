import { describe, expect, it } from "vitest";
import { PrefixIndex } from "./prefix-index.ts";
import { seededRandom } from "./random.ts";

describe("PrefixIndex", () => {
  it("answers the routes of every filed prefix the path starts with, ascending, no repeats", () => {
    const index = new PrefixIndex();
    index.add("", 0);
    index.add("/api/", 1);
    index.add("/api/v1/", 2);
    index.add("/api/", 3);
    index.add("/apix", 4);
    index.add("/api/v1/", 5);
    index.add("/api/v1/", 5);
    expect(index.longest("/api/v1/products").inherited).toEqual([0, 1, 2, 3, 5]);
    expect(index.longest("/api/v1/").inherited).toEqual([0, 1, 2, 3, 5]);
    expect(index.longest("/api/v2").inherited).toEqual([0, 1, 3]);
    expect(index.longest("/apix/1").inherited).toEqual([0, 4]);
    expect(index.longest("/other").inherited).toEqual([0]);
    expect(index.longest("").inherited).toEqual([0]);
  });

  it("answers no routes when no filed prefix starts the path, and one id per filed prefix", () => {
    const index = new PrefixIndex();
    index.add("/a/", 0);
    index.add("/b/", 1);
    expect(index.longest("/c/x").inherited).toEqual([]);
    expect(index.longest("/a").inherited).toEqual([]);
    const a = index.longest("/a/1");
    expect(index.longest("/a/2")).toBe(a);
    expect(index.longest("/b/1").id).not.toBe(a.id);
    expect(index.longest("/c").id).not.toBe(a.id);
  });

  it("agrees with testing every filed prefix on random prefixes and paths", () => {
    const random = seededRandom(1616);
    const letters = ["/", "a", "b", "é", "😀"];
    const word = (max: number) => Array.from({ length: Math.floor(random() * max) }, () => letters[Math.floor(random() * letters.length)]).join("");
    for (let round = 0; round < 20; round++) {
      const index = new PrefixIndex();
      const filed: string[] = [];
      for (let order = 0; order < 40; order++) {
        filed.push(word(6));
        index.add(filed[order]!, order);
      }
      for (let n = 0; n < 100; n++) {
        const path = word(9);
        const expected = filed.flatMap((prefix, order) => (path.startsWith(prefix) ? [order] : []));
        expect(index.longest(path).inherited, `${JSON.stringify(filed)} ${path}`).toEqual(expected);
      }
    }
  });
});
