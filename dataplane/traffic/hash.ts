/**
 * A 32-bit MurmurHash3-style hash of a string's UTF-16 code units. Stable across isolates
 * and runtimes, so every data-plane copy maps a key to the same place.
 */
export function hash32(input: string, seed = 0): number {
  let h = seed >>> 0;
  const length = input.length;
  let i = 0;
  for (; i + 1 < length; i += 2) {
    h = mixBlock(h, (input.charCodeAt(i) | (input.charCodeAt(i + 1) << 16)) >>> 0);
  }
  if (i < length) {
    let k = input.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= length * 2;
  return finalMix(h);
}

function mixBlock(h: number, block: number): number {
  let k = Math.imul(block, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a string to a point strictly inside (0, 1) with 53 bits of resolution. */
export function hashToUnit(input: string, seed = 0): number {
  const high = hash32(input, seed) >>> 5; // 27 bits
  const low = hash32(input, seed ^ 0x9e3779b9) >>> 6; // 26 bits
  return (high * 67108864 + low + 0.5) / 9007199254740992;
}
