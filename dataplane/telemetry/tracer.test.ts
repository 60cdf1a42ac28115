import { describe, expect, it, vi } from "vitest";
import { randomHex } from "./tracer.ts";

describe("randomHex (W3C trace and span ids)", () => {
  it("draws distinct lower-case hex ids of the asked length, across pool refills", () => {
    const ids = new Set<string>();
    // 16-byte ids: 600 of them refill the 4 KiB pool twice.
    for (let i = 0; i < 600; i++) {
      const id = randomHex(i % 2 ? 16 : 8);
      expect(id).toMatch(i % 2 ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{16}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(600);
  });

  it("never answers all zeros (an invalid W3C id): it draws again", () => {
    let fills = 0;
    // The first fill is all zeros, later ones are not.
    const fill = vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      (array as unknown as Uint8Array).fill(fills++ === 0 ? 0 : 0xab);
      return array;
    });
    try {
      // 300 16-byte ids use more than a pool: at least one fill is the zero one.
      const ids = Array.from({ length: 300 }, () => randomHex(16));
      expect(fills).toBeGreaterThanOrEqual(2);
      expect(ids.filter((id) => /^0+$/.test(id))).toEqual([]);
      expect(ids).toContain("ab".repeat(16));
    } finally {
      fill.mockRestore();
    }
  });
});
