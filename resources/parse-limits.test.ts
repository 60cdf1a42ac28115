import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { MalformedDocumentError, ParseLimitError } from "./errors.ts";
import { checkValueShape, PARSE_LIMITS } from "./parse-limits.ts";
import { parseDocuments } from "./parse.ts";

function refused(text: string): ParseLimitError | MalformedDocumentError {
  const started = performance.now();
  try {
    parseDocuments(text);
  } catch (error) {
    // Every refusal is quick: no limit may be found only after the parser did the work.
    expect(performance.now() - started).toBeLessThan(2000);
    if (error instanceof ParseLimitError || error instanceof MalformedDocumentError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

function overLimit(text: string, limit: keyof typeof PARSE_LIMITS): ParseLimitError {
  const error = refused(text);
  expect(error, error.message).toBeInstanceOf(ParseLimitError);
  expect((error as ParseLimitError).limit).toBe(limit);
  expect(error.code).toBe("limit_exceeded");
  expect(error.message).toContain(`the limit is ${PARSE_LIMITS[limit]} (${limit})`);
  return error as ParseLimitError;
}

const nested = (levels: number) => `${"{a: ".repeat(levels)}1${"}".repeat(levels)}`;
const blockNested = (levels: number) => Array.from({ length: levels }, (_, i) => `${" ".repeat(i)}a:`).join("\n") + " 1\n";

describe("parser limits", () => {
  it("parses every real resource in the repository within the limits", () => {
    for (const file of ["bookinfo-registry", "bookinfo-routing", "gateway-api", "security"]) {
      expect(parseDocuments(readFileSync(new URL(`./fixtures/${file}.yaml`, import.meta.url), "utf8")).length).toBeGreaterThan(0);
    }
  });

  it("refuses a billion laughs, naming the alias limit", () => {
    const bomb = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 0; i < 8; i++) bomb.push(`${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`);
    overLimit(bomb.join("\n"), "aliases");
  });

  it("refuses more alias nodes than the limit, and allows a few", () => {
    const aliases = (n: number) => `a: &a x\nb: [${Array(n).fill("*a").join(", ")}]\n`;
    expect(parseDocuments(aliases(10))).toEqual([{ a: "x", b: Array(10).fill("x") }]);
    overLimit(aliases(PARSE_LIMITS.aliases + 1), "aliases");
  });

  it("refuses an unresolved alias and a cyclic one as malformed, naming the line", () => {
    expect(refused("kind: A\nspec: *nowhere\n").message).toMatch(/^malformed YAML \(line 2\): unresolved alias \*nowhere/);
    expect(refused("kind: A\nspec: &s\n  x: [*s]\n").message).toMatch(/line 3.*cycle/);
  });

  it("keeps merge keys ordinary keys (YAML 1.2), so a repeated one is a duplicate key", () => {
    expect(refused("a: &a {x: 1}\nb: {<<: *a, <<: *a}\n").message).toMatch(/line 2.*unique/);
    expect(parseDocuments("a: &a {x: 1}\nb: {<<: *a}\n")).toEqual([{ a: { x: 1 }, b: { "<<": { x: 1 } } }]);
  });

  it("refuses nesting past the depth limit in flow and block YAML and in JSON, and allows it at the limit", () => {
    expect(() => parseDocuments(nested(PARSE_LIMITS.depth))).not.toThrow();
    expect(overLimit(nested(PARSE_LIMITS.depth + 1), "depth").details[0]!.path).toBe("line 1");
    overLimit(`${"[".repeat(200_000)}${"]".repeat(200_000)}`, "depth");
    overLimit(blockNested(PARSE_LIMITS.depth + 1), "depth");
    const json = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    expect(overLimit(json, "depth").details[0]!.path).toBe(Array(PARSE_LIMITS.depth).fill("a").join("."));
    overLimit(`[${"[".repeat(100_000)}${"]".repeat(100_000)}]`, "depth");
  });

  it("counts aliases into depth: a shallow anchor reused deep is still deep", () => {
    const half = PARSE_LIMITS.depth / 2 + 1;
    overLimit(`a: &a ${nested(half)}\nb: ${"{b: ".repeat(half)}*a${"}".repeat(half)}\n`, "depth");
  });

  it("does not count brackets inside quoted scalars or comments", () => {
    const brackets = "[".repeat(PARSE_LIMITS.depth + 5);
    expect(parseDocuments(`a: "${brackets}"\nb: '${brackets}'\n# ${brackets}\n`)).toEqual([{ a: brackets, b: brackets }]);
  });

  it("refuses compact block nesting and deep indentation before parsing (the parser runs out of memory on them)", () => {
    overLimit(`${"- ".repeat(200_000)}x\n`, "indentation");
    overLimit(`a: |\n${" ".repeat(PARSE_LIMITS.indentation + 1)}x\n`, "indentation");
  });

  it("refuses more documents than the limit, in YAML streams, JSON arrays and Lists", () => {
    const doc = "kind: A\n";
    expect(parseDocuments(Array(PARSE_LIMITS.documents).fill(doc).join("---\n"))).toHaveLength(PARSE_LIMITS.documents);
    overLimit(Array(PARSE_LIMITS.documents + 1).fill(doc).join("---\n"), "documents");
    overLimit("---\n".repeat(100_000), "documents");
    overLimit(JSON.stringify(Array(PARSE_LIMITS.documents + 1).fill({ kind: "A" })), "documents");
    overLimit(JSON.stringify({ kind: "List", items: Array(PARSE_LIMITS.documents + 1).fill({ kind: "A" }) }), "documents");
  });

  it("refuses a key past the key length limit, naming where", () => {
    const key = "k".repeat(PARSE_LIMITS.keyLength + 1);
    expect(overLimit(JSON.stringify({ spec: { [key]: 1 } }), "keyLength").details[0]!.path).toBe("spec");
    overLimit(`spec:\n  ? ${key}\n  : 1\n`, "keyLength");
    expect(() => parseDocuments(JSON.stringify({ [key.slice(1)]: 1 }))).not.toThrow();
  });

  it("finds duplicate keys among many in one pass", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`);
    const error = refused([...keys, "k7: 2"].join("\n"));
    expect(error.message).toMatch(/^malformed YAML \(line 20001\): map keys must be unique/);
  });

  it("checks values from any parser the same way (JSON request bodies)", () => {
    expect(() => checkValueShape(JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`), "(body)")).toThrow(ParseLimitError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => checkValueShape(cycle)).toThrow(/nesting deeper/);
  });
});
