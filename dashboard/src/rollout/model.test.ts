import { describe, expect, it } from "vitest";
import type { RolloutStatus } from "../types.ts";
import { seriesLines, stepRows, successOf } from "./model.ts";

const status: RolloutStatus = {
  phase: "WaitingApproval",
  stepIndex: 1,
  weight: 1,
  steps: [{ weight: 0.1 }, { weight: 1 }, { weight: 5 }, { weight: 100 }],
  history: [
    { at: "2026-12-01T12:00:00Z", stepIndex: 0, event: "advance", verdict: { result: "pass" } },
    { at: "2026-12-01T12:00:10Z", stepIndex: 1, event: "hold", verdict: { result: "insufficient_data" } },
    { at: "2026-12-01T12:00:20Z", stepIndex: 1, event: "pause" },
    { at: "2026-12-01T12:00:30Z", stepIndex: 1, event: "hold", verdict: { result: "pass" } },
  ],
};
const specSteps = [{ weight: 0.1 }, { weight: 1 }, { weight: 5, approval: true }];

describe("stepRows", () => {
  it("marks steps done, current, awaiting approval (the next) and pending, each with its latest verdict", () => {
    const rows = stepRows(status, specSteps);
    expect(rows.map((r) => [r.number, r.weight, r.approval, r.state, r.latest?.verdict?.result])).toEqual([
      [1, 0.1, false, "done", "pass"],
      [2, 1, false, "current", "pass"],
      [3, 5, true, "awaiting approval", undefined],
      [4, 100, false, "pending", undefined],
    ]);
    expect(rows[1]!.latest?.at).toBe("2026-12-01T12:00:30Z");
  });

  it("says where a rollout ended, and marks every step done once promoted", () => {
    expect(stepRows({ ...status, phase: "Progressing" }).map((r) => r.state)).toEqual(["done", "current", "pending", "pending"]);
    expect(stepRows({ ...status, phase: "RolledBack" })[1]!.state).toBe("rolled back");
    expect(stepRows({ ...status, phase: "Promoted" }).every((r) => r.state === "done")).toBe(true);
    expect(stepRows({ ...status, stepIndex: -1 })[0]!.state).toBe("awaiting approval");
    expect(stepRows({ phase: "Pending" })).toEqual([]);
  });
});

describe("seriesLines", () => {
  const series = {
    buckets: [
      { at: "2026-12-01T12:00:00Z", canary: { requests: 0, errors: 0 }, stable: { requests: 100, errors: 1, p50Ms: 3, p99Ms: 20 } },
      { at: "2026-12-01T12:00:10Z", canary: { requests: 20, errors: 5, p50Ms: 9, p99Ms: 80 }, stable: { requests: 90, errors: 0, p50Ms: 4, p99Ms: 21 } },
    ],
  };

  it("gives canary and stable success as fractions, null without requests", () => {
    const [canary, stable] = seriesLines(series, "successRate");
    expect(canary).toEqual({ version: "canary", points: [{ at: Date.parse("2026-12-01T12:00:00Z"), value: null }, { at: Date.parse("2026-12-01T12:00:10Z"), value: 0.75 }] });
    expect(stable!.points.map((p) => p.value)).toEqual([0.99, 1]);
    expect(successOf(undefined)).toBeNull();
  });

  it("gives latency percentiles per side", () => {
    expect(seriesLines(series, "p99").map((l) => l.points.map((p) => p.value))).toEqual([[null, 80], [20, 21]]);
    expect(seriesLines(series, "p50")[1]!.points.map((p) => p.value)).toEqual([3, 4]);
  });
});
