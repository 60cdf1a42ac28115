import { describe, expect, it } from "vitest";
import { canonicalJson, sha256Hex } from "./canonical-json.ts";

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops undefined properties", () => {
    const a = canonicalJson({ b: 1, a: { d: [3, { y: 1, x: 2 }], c: undefined } });
    expect(a).toBe('{"a":{"d":[3,{"x":2,"y":1}]},"b":1}');
  });

  it("gives the same text for the same content built in another order", () => {
    expect(canonicalJson({ x: "1", y: [1, 2] })).toBe(canonicalJson({ y: [1, 2], x: "1" }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it("escapes strings as JSON does and writes undefined array items as null", () => {
    expect(canonicalJson({ "k\"": "v\n" })).toBe('{"k\\"":"v\\n"}');
    expect(canonicalJson([undefined])).toBe("[null]");
  });

  it("writes empty containers, and objects whose members are all undefined, as {} and []", () => {
    expect(canonicalJson({ a: {}, b: [], c: { d: undefined } })).toBe('{"a":{},"b":[],"c":{}}');
  });

  it("is JSON.stringify of the value with its keys sorted at every depth", () => {
    const sorted = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sorted) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sorted(x)])) : v;
    const value = { z: [1.5, -0, 1e21, true, null, "é\u2028😀"], a: { "ü": { b: [[], [{}]], a: "x" }, "Z": false }, m: -12 };
    expect(canonicalJson(value)).toBe(JSON.stringify(sorted(value)));
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
  });

  it("gives the walk's text for values whose keys are already in order, and for what JSON.stringify would write otherwise", () => {
    // In order throughout (the engine writes it), and an ordered subtree under an object out of order.
    expect(canonicalJson({ a: [1, { b: null, c: "x" }], d: { e: true } })).toBe('{"a":[1,{"b":null,"c":"x"}],"d":{"e":true}}');
    expect(canonicalJson({ z: { a: 1, b: [2] }, m: 3 })).toBe('{"m":3,"z":{"a":1,"b":[2]}}');
    // Integer-like keys enumerate numerically ("9" before "10"); canonical order is by code unit.
    expect(canonicalJson({ a: { "9": 1, "10": 2 } })).toBe('{"a":{"10":2,"9":1}}');
    // JSON.stringify would call toJSON or write null for these; the walk does not.
    expect(canonicalJson({ a: new Date(0), b: [undefined], c: undefined })).toBe('{"a":{},"b":[null]}');
    expect(canonicalJson({ a: { toJSON: "kept as a member" } })).toBe('{"a":{"toJSON":"kept as a member"}}');
    expect(() => canonicalJson({ a: 1, toJSON: () => "x" })).toThrow(TypeError);
    expect(() => canonicalJson([1, () => 1])).toThrow(TypeError);
    expect(() => canonicalJson({ a: [10n] })).toThrow(TypeError);
  });
});

describe("sha256Hex", () => {
  it("hashes UTF-8 text", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
