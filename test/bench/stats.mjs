// The harness's arithmetic: percentiles of raw samples, medians and spreads over rounds,
// and how far an observed split is from its weights. Pure, so its test keeps it honest.

/** Nearest-rank percentile of ascending `sorted` (q in 0..1); NaN when empty. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Median of unsorted values; NaN when empty. */
export function median(values) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `[min, max]` of the values (the spread of rounds). */
export function spread(values) {
  return values.length ? [Math.min(...values), Math.max(...values)] : [NaN, NaN];
}

/** Latency samples (µs) summarized: count, p50/p90/p99/max, and stalls over `stallUs`. */
export function summarizeSamples(samples, stallUs = 50_000) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    stalls: sorted.filter((s) => s > stallUs).length,
  };
}

/**
 * Largest difference, in percentage points, between observed shares and the weights.
 * `counts` and `weights` are keyed alike (`{ v1: 9012, v2: 988 }`, `{ v1: 90, v2: 10 }`).
 */
export function maxDeviationPoints(counts, weights) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const weightTotal = Object.values(weights).reduce((a, b) => a + b, 0);
  let worst = 0;
  for (const key of new Set([...Object.keys(counts), ...Object.keys(weights)])) {
    const observed = total ? (100 * (counts[key] ?? 0)) / total : 0;
    const expected = (100 * (weights[key] ?? 0)) / weightTotal;
    worst = Math.max(worst, Math.abs(observed - expected));
  }
  return worst;
}

/** Operations per second from a timed batch of `n` against the same call with none. */
export function perSecond(n, secondsWithN, secondsWithNone) {
  const net = secondsWithN - secondsWithNone;
  return net > 0 ? n / net : NaN;
}
