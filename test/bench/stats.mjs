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

/**
 * CPU µs per request a configuration spends over a floor configuration, from throughput
 * under load: the machine's CPU per request is busy × cores / rps (busy = the share of all
 * cores busy during the run, measured), so the difference is
 * (busy/rps − floorBusy/floorRps) × cores × 1e6. The busy shares default to 1 (saturated).
 * They matter: workerd runs a process's isolates on one thread, so with one workerd the
 * machine is not saturated (~55–65 % of 2 cores), and assuming it was overstates the CPU.
 * NaN when either rate is missing or not positive.
 */
export function cpuMicrosOver(rps, floorRps, cores, busy = 1, floorBusy = 1) {
  if (!(rps > 0) || !(floorRps > 0) || !(cores > 0)) return NaN;
  const share = (b) => (Number.isFinite(b) && b > 0 ? b : 1);
  return ((share(busy) / rps) - (share(floorBusy) / floorRps)) * cores * 1e6;
}

/**
 * Jiffies of the machine's aggregate `cpu` line of /proc/stat text: `{ idle, total }`
 * (idle includes iowait). Two readings give the busy share between them (`busyShare`).
 */
export function cpuJiffies(procStat) {
  const fields = /^cpu\s+([\d\s]+)$/m.exec(procStat)?.[1].trim().split(/\s+/).map(Number);
  if (!fields || fields.length < 5) return { idle: NaN, total: NaN };
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { idle: fields[3] + fields[4], total };
}

/** Share of all cores busy between two `cpuJiffies` readings (0..1); NaN if none elapsed. */
export function busyShare(before, after) {
  const total = after.total - before.total;
  return total > 0 ? 1 - (after.idle - before.idle) / total : NaN;
}
