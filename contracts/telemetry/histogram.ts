// Histograms as Istio (Envoy's stats sink) exposes them. Istio's telemetry v2 uses Envoy's
// default bucket bounds for every histogram, the byte-size ones included (Mixer's
// 1,10,100,... byte buckets went away with Mixer in Istio 1.5).
export const ISTIO_BUCKETS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
  1800000, 3600000,
];

/**
 * Counts per bucket, NOT cumulative: `counts[i]` holds observations in
 * (bounds[i-1], bounds[i]]; the last entry (index bounds.length) is the +Inf bucket.
 */
export type Histogram = { counts: number[]; sum: number };

export function emptyHistogram(bounds: readonly number[] = ISTIO_BUCKETS): Histogram {
  return { counts: new Array(bounds.length + 1).fill(0), sum: 0 };
}

export function observe(h: Histogram, value: number, bounds: readonly number[] = ISTIO_BUCKETS): void {
  let i = 0;
  while (i < bounds.length && value > bounds[i]) i++;
  h.counts[i] += 1;
  h.sum += value;
}

/** Adds `from` into `into` (same bounds). */
export function mergeHistogram(into: Histogram, from: Histogram): void {
  for (let i = 0; i < into.counts.length; i++) into.counts[i] += from.counts[i] ?? 0;
  into.sum += from.sum;
}

export function histogramCount(h: Histogram): number {
  return h.counts.reduce((a, b) => a + b, 0);
}

/**
 * The q-quantile (0..1) estimated from bucket counts exactly as Prometheus'
 * histogram_quantile does: find the bucket holding rank q*count and interpolate linearly
 * inside it, the first bucket starting at 0; a rank in the +Inf bucket answers the highest
 * finite bound. Null when there are no observations.
 */
export function histogramQuantile(q: number, h: Histogram, bounds: readonly number[] = ISTIO_BUCKETS): number | null {
  const total = histogramCount(h);
  if (total === 0 || Number.isNaN(q)) return null;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const inBucket = h.counts[i];
    if (below + inBucket >= rank && inBucket > 0) {
      if (i === bounds.length) return bounds[bounds.length - 1];
      const upper = bounds[i];
      const lower = i === 0 ? 0 : bounds[i - 1];
      if (i === 0 && upper <= 0) return upper;
      return lower + (upper - lower) * ((rank - below) / inBucket);
    }
    below += inBucket;
  }
  return bounds[bounds.length - 1];
}
