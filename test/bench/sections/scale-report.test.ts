// The scale section's rendering: the same text for `npm run sim` and docs/BENCHMARKS.md, and
// what a run could not measure said in it rather than dropped.
import { describe, expect, it } from "vitest";
import { renderDoc } from "../report.mjs";
import { scaleSection } from "./scale-report.mjs";

const row = (over: Record<string, unknown>) => ({
  mode: "isolate",
  isolates: 10,
  locations: 1,
  slow: 1,
  requestsPerSecond: 10,
  cpuUsPerRequest: 666,
  processBusy: 0.2,
  idleBusy: 0.1,
  p50: 303,
  p99: 808,
  allP50: 775,
  allMax: 808,
  missed: 0,
  errors: [] as string[],
  cacheOpMs: undefined,
  ...over,
});
const result = (rows: ReturnType<typeof row>[]) => ({
  rows,
  costs: { stamp: { requests: 3000, perSecond: 2091, cpuUsPerRequest: 281 }, snapshot: { requests: 280, perSecond: 189, cpuUsPerRequest: 3310 } },
  snapshotBytes: 59_290,
  transport: "http",
  refreshMs: 1000,
  stampMs: 250,
  perLocation: 25,
  changes: 4,
  gapMs: 2000,
});

describe("scale section", () => {
  it("renders the heading, the command, the request costs and one row per mode and N", () => {
    const text = scaleSection(result([row({}), row({ mode: "location", requestsPerSecond: 3, cpuUsPerRequest: 0, cacheOpMs: 2.74 })]), { command: "npm run sim" });
    expect(text.startsWith("## Config distribution at scale\n\n`npm run sim`:")).toBe(true);
    expect(text).toContain("| stamp (epoch, version, hash) | 281 | 2,091 |");
    expect(text).toContain("| full snapshot pull | 3,310 | 189 |");
    expect(text).toContain("| isolate (before) | 10 | 1 | real time | 10.0 | 666 | 303 ms | 808 ms | 775 ms / 808 ms | 0 of 40 | 20 % (10 %) | – |");
    expect(text).toContain("| location (after) | 10 | 1 | real time | 3.0 | below noise |");
    expect(text).toContain("| 2.7 ms |");
    expect(text).toContain('CPU per request "below noise": the busy share with the control plane came out below the one without it');
    expect(text).not.toContain("did not arrive");
  });

  it("says which isolate-changes were not reached, with the Cache API figure, instead of leaving the row out", () => {
    const slowed = { isolates: 1000, locations: 40, slow: 4 };
    const text = scaleSection(
      result([
        row({ mode: "location", cacheOpMs: 2.8 }),
        row({ ...slowed, mode: "location", p50: 5266, p99: Infinity, allP50: Infinity, allMax: Infinity, missed: 1520, cacheOpMs: 221.4 }),
      ]),
      { command: "npm run bench -- --sections scale" },
    );
    expect(text).toContain("| location (after) | 1,000 | 40 | 4× slower | 10.0 | 666 | 5,266 ms | not reached | not reached / not reached | 1,520 of 4,000 |");
    expect(text).toContain("**location at N = 1,000: 1,520 of 4,000 isolate-changes did not arrive within the run**");
    expect(text).toContain("221.4 ms per operation on average in this run (2.8 ms at N = 10); where that is far above the small-N figure, the local emulation bounds propagation");
    expect(text).toContain("N = 1,000 ran on a clock 4× slower");
  });

  it("lists what the run left out and the simulator's errors", () => {
    const text = scaleSection(result([row({ errors: ["Error: boom"] })]), { command: "c", omitted: ["N = 1,000 was not run (`--quick`)."] });
    expect(text).toContain("- isolate at N = 10: first error in the simulator: Error: boom");
    expect(text).toContain("- N = 1,000 was not run (`--quick`).");
  });

  it("is part of docs/BENCHMARKS.md when the bench ran the section", () => {
    const base = { command: "npm run bench", date: "2026-01-01", machine: "m", versions: "v", miniflare: "4", load: { start: "0.1", end: "0.2" }, params: { rounds: 1, seconds: 1, latencySeconds: 1, connections: 1 }, failures: [], skipped: [], wallSeconds: 1 };
    const scale = { ...result([row({})]), command: "npm run bench -- --sections scale --quick", omitted: ["N = 1,000 was not run (`--quick`)."] };
    const doc = renderDoc({ ...base, scale });
    expect(doc).toContain("## Config distribution at scale\n\n`npm run bench -- --sections scale --quick`:");
    expect(doc).toContain("- N = 1,000 was not run (`--quick`).");
    expect(renderDoc(base)).not.toContain("Config distribution at scale");
  });
});
