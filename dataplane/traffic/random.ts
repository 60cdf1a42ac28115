/** A source of uniform numbers in [0, 1), like `Math.random`; injected so tests are repeatable. */
export type RandomSource = () => number;

/** The runtime's own random source. */
export const defaultRandom: RandomSource = Math.random;

/**
 * A seedable PRNG (mulberry32): the same seed always yields the same sequence. For tests
 * and deterministic simulations, not for secrets.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
