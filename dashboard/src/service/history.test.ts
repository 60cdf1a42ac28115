import { describe, expect, it } from "vitest";
import type { VersionStats } from "../types.ts";
import { StatsHistory } from "./history.ts";

const stats = (version: string, rps: number, p99: number | null): VersionStats => ({
  service: "reviews",
  namespace: "default",
  version,
  requests: 1,
  rps,
  successRate: 1,
  latencyMs: { p50: null, p95: null, p99 },
});

describe("StatsHistory", () => {
  it("keeps a series per version, null where a version was absent, up to its capacity", () => {
    const history = new StatsHistory(2);
    history.add(1, [stats("v1", 1, 5)]);
    history.add(2, [stats("v1", 2, 6), stats("v2", 3, null)]);
    history.add(3, [stats("v2", 4, 7)]);
    expect(history.versions()).toEqual(["v1", "v2"]);
    expect(history.series("rps", "v1")).toEqual([
      { at: 2, value: 2 },
      { at: 3, value: null },
    ]);
    expect(history.series("p99", "v2")).toEqual([
      { at: 2, value: null },
      { at: 3, value: 7 },
    ]);
  });
});
