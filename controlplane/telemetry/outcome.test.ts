import { describe, expect, it } from "vitest";
import { emptyHistogram, observe } from "../../contracts/telemetry/histogram.ts";
import { difference, sideOf, tallyVersion } from "../rollout/counts.ts";
import { isError, reporterOf } from "./outcome.ts";
import { serviceStats } from "./stats.ts";
import type { WindowSeries } from "./telemetry-object.ts";

describe("isError", () => {
  it("is a 5xx answer only, as Istio's request-success-rate counts (response_code!~\"5.*\")", () => {
    for (const code of ["500", "503", "504"]) expect(isError(code)).toBe(true);
    for (const code of ["200", "301", "404", "429", "0", "", undefined]) expect(isError(code)).toBe(false);
  });
});

describe("reporterOf", () => {
  it("takes the callers' counts when any caller reported, else the version's own, else whoever counted", () => {
    expect(reporterOf({ source: 3, destination: 5 })).toBe("source");
    expect(reporterOf({ source: 0, destination: 5 })).toBe("destination");
    expect(reporterOf({ destination: 5 })).toBe("destination");
    expect(reporterOf({ unknown: 2 })).toBe("unknown");
    expect(reporterOf({ source: 0 })).toBeUndefined();
    expect(reporterOf({})).toBeUndefined();
  });
});

// The same requests, read by a rollout's analysis (cumulative tallies differenced) and by
// /v1/stats (a window's series), must give the same counts and success rate.
describe("a rollout's analysis and /v1/stats agree", () => {
  const labels = (reporter: string, version: string, code: string, flags = "-") => ({
    reporter, destination_service_name: "reviews", destination_service_namespace: "default", destination_version: version, response_code: code, response_flags: flags,
    source_workload: "productpage-v1", source_workload_namespace: "default",
  });
  const series = (l: Record<string, string>, requests: number): WindowSeries => {
    const duration = emptyHistogram();
    for (let i = 0; i < requests; i++) observe(duration, 20);
    return { labels: l, requests, duration };
  };
  const cases: Array<[string, WindowSeries[]]> = [
    // The Worker threw for 6 requests: only its callers saw them (503 UF); it reported 90 of its own.
    ["callers and the version both report", [series(labels("source", "v2", "200"), 88), series(labels("source", "v2", "404"), 2), series(labels("source", "v2", "503", "UF"), 6), series(labels("source", "v2", "500"), 4), series(labels("destination", "v2", "200"), 88), series(labels("destination", "v2", "404"), 2), series(labels("destination", "v2", "500"), 4)]],
    ["only the version reports (callers outside the mesh)", [series(labels("destination", "v2", "200"), 40), series(labels("destination", "v2", "502"), 10), series(labels("destination", "v2", "0"), 3)]],
    ["only callers report", [series(labels("source", "v2", "200"), 7), series(labels("source", "v2", "503", "UH"), 1)]],
  ];
  it.each(cases)("%s", (_, window) => {
    const analysed = sideOf(difference(tallyVersion(window, { service: "reviews", namespace: "default", version: "v2" }), undefined));
    const [stats] = serviceStats(window, "reviews", "default", 60);
    expect(stats!.requests).toBe(analysed.requests);
    expect(stats!.successRate).toBe((analysed.requests - analysed.errors) / analysed.requests);
  });

  it("counts the failures only callers see", () => {
    const [window] = cases[0]!.slice(1) as [WindowSeries[]];
    const [stats] = serviceStats(window, "reviews", "default", 60);
    expect(stats).toMatchObject({ reporter: "source", requests: 100, successRate: 0.9 });
  });
});
