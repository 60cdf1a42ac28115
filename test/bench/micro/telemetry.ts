// Per-request cost of the metrics recorder in Node: the path the data-plane layers take
// (a series side cached per snapshot, then `count`) against building a RequestSample and
// calling `recordRequest` (labels interned per call, the test and fallback path).
// Run: npx esbuild test/bench/micro/telemetry.ts --bundle --platform=node --format=esm --outfile=.isthmus/telemetry-micro.mjs && node .isthmus/telemetry-micro.mjs
import type { RequestSample } from "../../../contracts/telemetry/labels.ts";
import { MetricsRecorder } from "../../../dataplane/telemetry/metrics.ts";

const SIDE = {
  reporter: "destination" as const,
  source: { workload: "productpage-v1", app: "productpage", version: "v1", namespace: "default", principal: "spiffe://cluster.local/ns/default/sa/productpage" },
  destination: {
    workload: "reviews-v2",
    namespace: "default",
    principal: "spiffe://cluster.local/ns/default/sa/reviews",
    app: "reviews",
    version: "v2",
    service: "reviews.default.svc.cluster.local",
    serviceName: "reviews",
    serviceNamespace: "default",
  },
  protocol: "http" as const,
};
const CODES = [200, 200, 200, 503];

/** Nanoseconds per call of `fn`, over enough calls to take ~`budgetMs`. */
function nsPerCall(fn: (i: number) => unknown, budgetMs = 300): number {
  for (let i = 0; i < 10_000; i++) fn(i);
  let n = 10_000;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    const elapsed = performance.now() - t0;
    if (elapsed > budgetMs) return (elapsed * 1e6) / n;
    n *= 4;
  }
}

/** Heap bytes per call, garbage included (measured with GC off between two snapshots). */
function bytesPerCall(fn: (i: number) => unknown, n = 200_000): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) fn(i);
  return (process.memoryUsage().heapUsed - before) / n;
}

export function measureRecorder() {
  const policy = { maxRequests: Number.MAX_SAFE_INTEGER, maxSeries: Number.MAX_SAFE_INTEGER };
  const sampled = new MetricsRecorder({ workload: "reviews-v2", policy });
  const viaSample = (i: number) =>
    sampled.recordRequest({ ...SIDE, responseCode: CODES[i & 3], responseFlags: "-", mutualTls: true, durationMs: i % 40, requestBytes: 0, responseBytes: 300, method: "GET", path: "/reviews/0" } satisfies RequestSample);
  const counted = new MetricsRecorder({ workload: "reviews-v2", policy });
  const side = counted.side(SIDE);
  const viaSide = (i: number) => counted.count(side, CODES[i & 3], "-", true, i % 40, 0, 300);
  return {
    recordRequestNs: nsPerCall(viaSample),
    countNs: nsPerCall(viaSide),
    recordRequestBytes: bytesPerCall(viaSample),
    countBytes: bytesPerCall(viaSide),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = measureRecorder();
  console.log(JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v * 10) / 10]))));
}
