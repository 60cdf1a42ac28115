// The bench harness's pure parts (npm run bench is not part of npm test; these keep its
// arithmetic and its wrk parsing from rotting).
import { describe, expect, it } from "vitest";
import { parseWrkOutput, WrkOutputError } from "./load.mjs";
import { renderDoc, hopTable } from "./report.mjs";
import { maxDeviationPoints, median, percentile, perSecond, spread, summarizeSamples } from "./stats.mjs";

const WRK = `Running 5s test @ http://127.0.0.1:41234/api/v1/products/7
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.01ms    9.12ms 312.45ms   98.71%
    Req/Sec     6.12k     1.01k    7.80k    71.00%
  60891 requests in 5.01s, 11.21MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 17
Requests/sec:  12153.69
Transfer/sec:      2.24MB
`;

describe("wrk output", () => {
  it("reads rate, request count, non-2xx, socket errors and timeouts apart", () => {
    expect(parseWrkOutput(WRK)).toEqual({
      rps: 12153.69,
      requests: 60891,
      non2xx: 17,
      socketErrors: 2,
      timeouts: 3,
      errorLine: "Socket errors: connect 0, read 2, write 0, timeout 3",
    });
  });

  it("counts nothing as failed when wrk reports no errors", () => {
    const clean = WRK.replace(/ {2}Socket errors:.*\n/, "").replace(/ {2}Non-2xx.*\n/, "");
    expect(parseWrkOutput(clean)).toMatchObject({ non2xx: 0, socketErrors: 0, timeouts: 0, errorLine: "" });
  });

  it("refuses output without a rate", () => {
    expect(() => parseWrkOutput("unable to connect to 127.0.0.1:1 Connection refused")).toThrow(WrkOutputError);
  });
});

describe("percentiles and medians", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it("takes the nearest rank", () => {
    expect(percentile(hundred, 0.5)).toBe(50);
    expect(percentile(hundred, 0.99)).toBe(99);
    expect(percentile(hundred, 1)).toBe(100);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it("medians odd and even counts, unsorted", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(spread([5, 2, 9])).toEqual([2, 9]);
  });

  it("summarizes samples with stalls over 50 ms counted, not dropped", () => {
    const samples = [...Array.from({ length: 98 }, () => 300), 60_000, 200];
    const s = summarizeSamples(samples);
    expect(s).toMatchObject({ count: 100, p50: 300, stalls: 1, max: 60_000 });
    expect(s.p99).toBe(300);
  });

  it("rates from N against 0 operations", () => {
    expect(perSecond(1000, 0.6, 0.1)).toBeCloseTo(2000);
    expect(perSecond(1000, 0.1, 0.1)).toBeNaN();
  });
});

describe("split deviation", () => {
  it("is the largest gap in percentage points", () => {
    expect(maxDeviationPoints({ v1: 9000, v2: 1000 }, { v1: 90, v2: 10 })).toBe(0);
    expect(maxDeviationPoints({ v1: 8800, v2: 1200 }, { v1: 90, v2: 10 })).toBeCloseTo(2);
    // A version that never answered counts fully.
    expect(maxDeviationPoints({ v1: 10000 }, { v1: 90, v2: 10 })).toBeCloseTo(10);
  });
});

describe("report", () => {
  const row = (id: string, rps: number, p50: number, p99: number) => ({ id, label: id, rps, spread: [rps, rps], p50, p99, p99spread: [p99, p99], stalls: 0, samples: 10, maxMs: 1, failed: 0, socketErrors: 0 });

  it("derives per-hop costs from configurations that differ in one thing", () => {
    const text = hopTable([row("direct", 10000, 200, 900), row("binding", 5000, 300, 1000), row("mesh", 4000, 900, 3000)]);
    expect(text).toContain("| one service-binding hop, no mesh (binding − direct) | +100 | +100 | 0.50 |");
    expect(text).toContain("| mesh layers on that hop: gateway + withMesh (mesh − binding) | +600 | +2000 | 0.80 |");
    expect(text).not.toContain("sidecar − mesh");
  });

  it("states failures and sections not run", () => {
    const doc = renderDoc({ command: "npm run bench", date: "2026-01-01", machine: "m", versions: "v", miniflare: "4", load: { start: "0.1", end: "0.2" }, params: { rounds: 1, seconds: 1, latencySeconds: 1, connections: 1 }, failures: ["split: 3 failed requests"], skipped: ["bundles (not selected with --sections)"], wallSeconds: 1 });
    expect(doc).toContain("**Failures:** split: 3 failed requests");
    expect(doc).toContain("## Not measured in this run\n\n- bundles (not selected with --sections)");
  });
});
