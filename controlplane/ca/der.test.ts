import { describe, expect, it } from "vitest";
import { contentsOf, element, readChildren, readElement, unsignedInteger } from "./der";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("DER", () => {
  it("writes minimal lengths and reads them back", () => {
    for (const length of [0, 1, 127, 128, 255, 256, 65_535, 65_536]) {
      const encoded = element(0x04, new Uint8Array(length).fill(7));
      const header = length < 128 ? 2 : length < 256 ? 3 : length < 65_536 ? 4 : 5;
      expect(encoded.length - length, `length ${length}`).toBe(header);
      const read = readElement(encoded, 0)!;
      expect([read.tag, read.contentStart, read.end]).toEqual([0x04, header, encoded.length]);
      expect(contentsOf(encoded, read).every((b) => b === 7)).toBe(true);
    }
    expect(hex(element(0x30, Uint8Array.of(1), Uint8Array.of(2, 3)))).toBe("3003010203");
  });

  it("reads only strict DER", () => {
    expect(readElement(Uint8Array.of(0x04, 0x81, 0x05, 1, 2, 3, 4, 5), 0)).toBeNull(); // long form below 128
    expect(readElement(Uint8Array.of(0x04, 0x82, 0x00, 0x80, ...new Uint8Array(128)), 0)).toBeNull(); // leading zero length byte
    expect(readElement(Uint8Array.of(0x04, 0x80), 0)).toBeNull(); // indefinite length
    expect(readElement(Uint8Array.of(0x04, 0x03, 1, 2), 0)).toBeNull(); // runs past the end
    expect(readElement(Uint8Array.of(0x1f, 0x01, 0x00), 0)).toBeNull(); // multi-byte tag
    const parent = Uint8Array.of(0x30, 0x05, 0x02, 0x01, 0x01, 0x02, 0x02);
    expect(readChildren(parent, readElement(parent, 0)!)).toBeNull(); // a child overruns its parent
    const ok = Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x09);
    expect(readChildren(ok, readElement(ok, 0)!)!.map((e) => e.tag)).toEqual([0x02, 0x04]);
  });

  it("encodes unsigned integers minimally, padding a set top bit", () => {
    expect(hex(unsignedInteger(Uint8Array.of(0, 0, 0x7f)))).toBe("02017f");
    expect(hex(unsignedInteger(Uint8Array.of(0, 0x80)))).toBe("02020080");
    expect(hex(unsignedInteger(Uint8Array.of(0xff, 1)))).toBe("020300ff01");
    expect(hex(unsignedInteger(Uint8Array.of(0, 0)))).toBe("020100");
  });
});
