import { describe, expect, it } from "vitest";
import { emptyHistogram, observe } from "../../contracts/telemetry/histogram.ts";
import type { WindowSeries } from "./telemetry-object.ts";
import { edgeStats, InvalidWindowError, parseWindow, serviceStats } from "./stats.ts";

function series(labels: Record<string, string>, durations: number[]): WindowSeries {
  const duration = emptyHistogram();
  for (const d of durations) observe(duration, d);
  return { labels, requests: durations.length, duration };
}

const base = { destination_service_name: "reviews", destination_service_namespace: "default", source_workload: "productpage-v1", source_workload_namespace: "default" };

describe("golden metrics", () => {
  const window: WindowSeries[] = [
    series({ ...base, reporter: "source", destination_version: "v2", response_code: "200" }, Array(18).fill(30)),
    series({ ...base, reporter: "source", destination_version: "v2", response_code: "503", response_flags: "UF" }, [400, 400]),
    // the version's own view of the same requests (it never saw the 2 it threw on) must not be counted twice
    series({ ...base, reporter: "destination", destination_version: "v2", response_code: "200" }, Array(18).fill(31)),
    series({ ...base, reporter: "destination", destination_version: "v1", response_code: "200" }, Array(6).fill(3)),
    series({ ...base, reporter: "destination", destination_service_name: "ratings", destination_version: "v1", response_code: "200" }, [1]),
  ];

  it("per version: rps, success rate and percentiles, preferring the callers' counts", () => {
    const stats = serviceStats(window, "reviews", "default", 60);
    expect(stats.map((s) => s.version)).toEqual(["v1", "v2"]);
    const v2 = stats[1];
    expect(v2.reporter).toBe("source");
    expect(v2.requests).toBe(20);
    expect(v2.rps).toBeCloseTo(20 / 60);
    expect(v2.successRate).toBe(0.9);
    expect(v2.latencyMs.p50).toBeCloseTo(25 + (25 * 10) / 18); // (25,50] holds ranks 1..18
    expect(v2.latencyMs.p95).toBeCloseTo(250 + 250 * 0.5); // rank 19 of 20: 1 into the 2 of (250,500]
    const v1 = stats[0];
    expect(v1.reporter).toBe("destination"); // no caller reported v1
    expect(v1.successRate).toBe(1);
    expect(v1.latencyMs.p99).toBeCloseTo(1 + 4 * 0.99); // all 6 in (1,5]
  });

  it("edges: source workload -> destination version, preferring the caller's counts", () => {
    const edges = edgeStats(window, 60);
    const toV2 = edges.find((e) => e.destination.service === "reviews" && e.destination.version === "v2")!;
    expect(toV2.source).toEqual({ workload: "productpage-v1", namespace: "default" });
    expect(toV2.reporter).toBe("source");
    expect(toV2.requests).toBe(20);
    expect(edges.find((e) => e.destination.service === "ratings")!.reporter).toBe("destination");
    expect(edges).toHaveLength(3);
  });

  it("parses windows between 10s and 1h", () => {
    expect(parseWindow("1m")).toBe(60_000);
    expect(parseWindow(undefined)).toBe(60_000);
    expect(parseWindow("30s")).toBe(30_000);
    expect(parseWindow("1h")).toBe(3_600_000);
    for (const bad of ["5s", "2h", "1d", "abc"]) expect(() => parseWindow(bad)).toThrow(InvalidWindowError);
  });
});
