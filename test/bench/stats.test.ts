// The bench harness's pure parts (npm run bench is not part of npm test; these keep its
// arithmetic and its wrk parsing from rotting).
import { describe, expect, it } from "vitest";
import http from "node:http";
import { get, NoAnswerError, parseWrkOutput, WrkOutputError } from "./load.mjs";
import { bundleModules, countSamples, layerOf, perRequest } from "./cpu-profile.mjs";
import { configurationsTable, hopTable, profileTable, renderDoc } from "./report.mjs";
import { busyShare, cpuJiffies, cpuMicrosOver, maxDeviationPoints, median, percentile, perSecond, spread, summarizeSamples } from "./stats.mjs";

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

describe("a request to a hung Worker", () => {
  it("fails with NoAnswerError after its timeout instead of waiting forever", async () => {
    const server = http.createServer(() => {}); // reads the request, never answers
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as { port: number };
    try {
      await expect(get(`http://127.0.0.1:${port}/`, { timeoutMs: 100 })).rejects.toBeInstanceOf(NoAnswerError);
    } finally {
      server.closeAllConnections();
      server.close();
    }
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

describe("CPU per request from saturated throughput", () => {
  it("is (1/rps − 1/floor) × cores × 1e6", () => {
    // 2 cores: 1,000 req/s costs 2,000 µs a request, 2,000 req/s 1,000 µs: 1,000 µs more.
    expect(cpuMicrosOver(1000, 2000, 2)).toBeCloseTo(1000);
    expect(cpuMicrosOver(4000, 2000, 2)).toBeCloseTo(-500);
    expect(cpuMicrosOver(1000, 2000, 4)).toBeCloseTo(2000);
  });

  it("weighs each rate by how busy the cores were", () => {
    // Half of 2 cores busy at 1,000 req/s is 1,000 µs a request; all of them at 4,000 req/s 500 µs.
    expect(cpuMicrosOver(1000, 4000, 2, 0.5, 1)).toBeCloseTo(500);
    expect(cpuMicrosOver(1000, 2000, 2, 0.5, 0.5)).toBeCloseTo(500);
    // A missing share counts as saturated.
    expect(cpuMicrosOver(1000, 2000, 2, NaN, undefined)).toBeCloseTo(1000);
  });

  it("has no figure without both rates", () => {
    expect(cpuMicrosOver(1000, undefined, 2)).toBeNaN();
    expect(cpuMicrosOver(0, 2000, 2)).toBeNaN();
    expect(cpuMicrosOver(1000, 2000, 0)).toBeNaN();
  });

  it("reads how busy the machine was from two /proc/stat readings", () => {
    const stat = (user: number, idle: number) => `cpu  ${user} 0 100 ${idle} 0 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n`;
    const before = cpuJiffies(stat(1000, 5000));
    expect(before).toEqual({ idle: 5000, total: 6100 });
    // 300 jiffies busy, 100 idle: 75 % of the cores.
    expect(busyShare(before, cpuJiffies(stat(1300, 5100)))).toBeCloseTo(0.75);
    expect(busyShare(before, before)).toBeNaN();
    expect(cpuJiffies("nothing")).toEqual({ idle: NaN, total: NaN });
  });
});

describe("CPU profile attribution", () => {
  // A bundle as esbuild writes it unminified: each module opens with its path.
  const BUNDLE = [
    "var x = 1;", // 0: before any module
    "// node_modules/zod/v4/core/parse.js", // 1
    "function safeParse() {}", // 2
    "// dataplane/traffic/route-table.ts", // 3
    "function match() {}", // 4
    "// dataplane/outbound/route.ts", // 5
    "function route() {}", // 6
    "// @__NO_SIDE_EFFECTS__", // 7: not a module
    "function routeMore() {}", // 8
    "// workers/gateway/worker.ts", // 9
    "function fetch() {}", // 10
  ].join("\n");
  const URL = "file:///bench/gateway.mjs";
  const frame = (functionName: string, url = "", lineNumber = -1) => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: "1" });
  // root ─ (program), (idle), (garbage collector), fetch ─ route ─ match ─ exec (native)
  //                                                      └ safeParse (zod, called from the entry)
  const profile = {
    startTime: 0,
    endTime: 10_000,
    nodes: [
      { id: 1, callFrame: frame("(root)"), children: [2, 3, 4, 5] },
      { id: 2, callFrame: frame("(program)") },
      { id: 3, callFrame: frame("(idle)") },
      { id: 4, callFrame: frame("(garbage collector)") },
      { id: 5, callFrame: frame("fetch", URL, 10), children: [6, 9] },
      { id: 6, callFrame: frame("route", URL, 6), children: [7, 10] },
      { id: 7, callFrame: frame("match", URL, 4), children: [8] },
      { id: 8, callFrame: frame("exec") },
      { id: 9, callFrame: frame("safeParse", URL, 2) },
      { id: 10, callFrame: frame("routeMore", URL, 8) },
    ],
    // 4 × exec under match, 2 × route, 1 × routeMore, 3 × safeParse, 1 × (program), 2 × fetch, 5 × idle, 1 × GC
    samples: [8, 8, 8, 8, 6, 6, 10, 9, 9, 9, 2, 5, 5, 3, 3, 3, 3, 3, 4],
    // One huge delta: under time weighting it would dominate; counted, it is one sample.
    timeDeltas: [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 900_000, 100, 100, 100, 100, 100, 100, 100, 100],
  };
  const modules = bundleModules(BUNDLE);
  const modulesOf = (url: string) => (url === URL ? modules : undefined);

  it("maps bundle lines to the module that opened them", () => {
    expect(modules(0)).toBeUndefined();
    expect(modules(2)).toBe("node_modules/zod/v4/core/parse.js");
    expect(modules(4)).toBe("dataplane/traffic/route-table.ts");
    expect(modules(8)).toBe("dataplane/outbound/route.ts");
    expect(modules(10)).toBe("workers/gateway/worker.ts");
    expect(modules(10_000)).toBe("workers/gateway/worker.ts");
  });

  it("names data-plane layers by directory", () => {
    expect(layerOf("dataplane/outbound/route.ts")).toBe("dataplane/outbound");
    expect(layerOf("dataplane/security/pair-proofs.ts")).toBe("dataplane/security");
    expect(layerOf("dataplane/mesh-runtime.ts")).toBe("dataplane");
    expect(layerOf("workers/gateway/worker.ts")).toBeUndefined();
    expect(layerOf("node_modules/zod/v4/core/parse.js")).toBeUndefined();
    expect(layerOf(undefined)).toBeUndefined();
  });

  it("counts samples and charges each to the innermost layer frame on its stack", () => {
    const counts = countSamples([profile], modulesOf);
    expect(counts).toMatchObject({ samples: 19, idle: 5, busy: 14, wallUs: 10_000 });
    // The native exec runs for route-table's match; route and routeMore are both outbound.
    expect(Object.fromEntries(counts.layers)).toEqual({ "dataplane/traffic": 4, "dataplane/outbound": 3 });
    expect(Object.fromEntries(counts.modules)).toEqual({ "dataplane/traffic/route-table.ts": 4, "dataplane/outbound/route.ts": 3 });
    // No layer on the stack: the innermost bundled module, else the native leaf.
    expect(Object.fromEntries(counts.outside)).toEqual({ "node_modules/zod/v4/core/parse.js": 3, "workers/gateway/worker.ts": 2, "(program)": 1, "(garbage collector)": 1 });
    expect(counts.functions.get("exec")).toBe(4);
    expect(counts.functions.get("route (gateway.mjs:7)")).toBe(2);
  });

  it("adds up several profiles of one Worker (both versions of the callee)", () => {
    const counts = countSamples([profile, profile], modulesOf);
    expect(counts).toMatchObject({ samples: 38, busy: 28, wallUs: 20_000 });
    expect(counts.layers.get("dataplane/traffic")).toBe(8);
  });

  it("turns counts into µs per request and the share of a core", () => {
    const figures = perRequest(countSamples([profile], modulesOf), { intervalUs: 100, requests: 2, top: 2 });
    // 14 busy samples × 100 µs over 10 ms of profile; per request: 1,400 µs / 2.
    expect(figures.cpuShare).toBeCloseTo(0.14);
    expect(figures.wallPerSampleUs).toBeCloseTo(10_000 / 19);
    expect(figures.busyUs).toBeCloseTo(700);
    expect(figures.layers).toEqual([
      { key: "dataplane/traffic", samples: 4, us: 200 },
      { key: "dataplane/outbound", samples: 3, us: 150 },
    ]);
    expect(figures.top).toEqual([
      { fn: "exec", share: 4 / 14, us: 200 },
      { fn: "safeParse (gateway.mjs:3)", share: 3 / 14, us: 150 },
    ]);
  });
});

describe("report", () => {
  const row = (id: string, rps: number, p50: number, p99: number) => ({ id, label: id, rps, spread: [rps, rps], p50, p99, p99spread: [p99, p99], stalls: 0, samples: 10, maxMs: 1, failed: 0, socketErrors: 0 });

  it("derives per-hop costs from configurations that differ in one thing", () => {
    const text = hopTable([row("direct", 10000, 200, 900), row("binding", 5000, 300, 1000), row("mesh", 4000, 900, 3000)], 2);
    // CPU: (1/5000 − 1/10000) × 2 × 1e6 = 200 µs; (1/4000 − 1/5000) × 2 × 1e6 = 100 µs.
    expect(text).toContain("| one service-binding hop, no mesh (binding − direct) | +100 | +100 | 0.50 | +200 |");
    expect(text).toContain("| mesh layers on that hop: gateway + withMesh (mesh − binding) | +600 | +2000 | 0.80 | +100 |");
    expect(text).not.toContain("sidecar − mesh");
  });

  it("quotes the sidecar against two bare hops and withMesh against one", () => {
    const rows = [row("direct", 10000, 200, 900), row("binding", 5000, 300, 1000), row("binding2", 4000, 400, 1100), { ...row("mesh", 2000, 900, 3000), floor: "binding" }, { ...row("sidecar", 1000, 1000, 3000), floor: "binding2" }];
    const lines = configurationsTable(rows, 2).split("\n");
    const cells = (id: string) => lines.find((l) => l.startsWith(`| ${id} |`))!.split(" | ");
    // × floor, CPU over binding, mesh CPU over floor: withMesh (1/2000 − 1/5000) × 2e6 = 600.
    expect(cells("mesh").slice(4, 7)).toEqual(["0.40 (binding)", "+600", "+600"]);
    // The sidecar: over binding (1/1000 − 1/5000) × 2e6 = 1,600, over its floor (1/1000 − 1/4000) × 2e6 = 1,500.
    expect(cells("sidecar").slice(4, 7)).toEqual(["0.25 (binding2)", "+1600", "+1500"]);
    expect(cells("binding2").slice(4, 7)).toEqual(["–", "+100", "–"]);
    expect(hopTable(rows, 2)).toContain("| mesh layers on two hops: gateway + standalone sidecar (sidecar − binding2) | +600 | +1900 | 0.25 | +1500 |");
  });

  it("tabulates µs per request by layer across the gateway and the callee", () => {
    const gw = { label: "gateway", layers: [{ key: "dataplane/outbound", samples: 9, us: 30 }, { key: "dataplane/security", samples: 3, us: 10 }] };
    const callee = { label: "callee", layers: [{ key: "dataplane/inbound", samples: 6, us: 20 }, { key: "dataplane/security", samples: 9, us: 25 }] };
    const text = profileTable([gw, callee], "layers", "layer");
    expect(text.split("\n")).toEqual([
      "| layer | gateway µs/req | callee µs/req |",
      "|---|---|---|",
      "| `dataplane/security` | 10.0 | 25.0 |",
      "| `dataplane/outbound` | 30.0 | 0.0 |",
      "| `dataplane/inbound` | 0.0 | 20.0 |",
      "| all layers | 40.0 | 45.0 |",
    ]);
    expect(profileTable([gw, callee], "layers", "layer", 1)).not.toContain("outbound");
  });

  it("states failures and sections not run", () => {
    const doc = renderDoc({ command: "npm run bench", date: "2026-01-01", machine: "m", versions: "v", miniflare: "4", load: { start: "0.1", end: "0.2" }, params: { rounds: 1, seconds: 1, latencySeconds: 1, connections: 1 }, failures: ["split: 3 failed requests"], skipped: ["bundles (not selected with --sections)"], wallSeconds: 1 });
    expect(doc).toContain("**Failures:** split: 3 failed requests");
    expect(doc).toContain("## Not measured in this run\n\n- bundles (not selected with --sections)");
  });
});
