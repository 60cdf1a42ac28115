import { describe, expect, it } from "vitest";
import { base64urlDecode, base64urlEncode } from "./base64url";

describe("base64url", () => {
  it("encodes strings (ASCII or not) and bytes as Node's base64url does, and decodes them back", () => {
    for (let length = 0; length < 200; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 151 + length) & 0xff);
      expect(base64urlEncode(bytes)).toBe(Buffer.from(bytes).toString("base64url"));
      expect(base64urlEncode(bytes.buffer)).toBe(Buffer.from(bytes).toString("base64url"));
      expect(base64urlDecode(base64urlEncode(bytes))).toEqual(bytes);
      const ascii = String.fromCharCode(...bytes.map((b) => b & 0x7f));
      expect(base64urlEncode(ascii)).toBe(Buffer.from(ascii, "utf8").toString("base64url"));
    }
    for (const text of ['{"aud":"é"}', "€", "😀 spiffe://x", "\u007f\u0080"]) {
      expect(base64urlEncode(text)).toBe(Buffer.from(text, "utf8").toString("base64url"));
    }
    const large = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
    expect(base64urlEncode(large)).toBe(Buffer.from(large).toString("base64url"));
  });
});
