import { describe, expect, it } from "vitest";
import { describeSide, describeVerdict, latestVerdicts, percent, renderHistory, renderStatus, stepState, type HistoryEntry, type Rollout } from "./render.js";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const at = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString();

const hold: HistoryEntry = {
  at: at(50),
  stepIndex: 1,
  weight: 1,
  event: "hold",
  verdict: {
    result: "insufficient_data",
    reason: "canary saw 12 requests, needs 100",
    canary: { requests: 12, errors: 0, successRate: 100, p50Ms: 4.25, p99Ms: 31 },
    stable: { requests: 1188, errors: 1, successRate: 99.916, p50Ms: 3, p99Ms: 28.4 },
    checks: [{ name: "successRate", result: "insufficient_data", value: 12, threshold: 100 }],
  },
};
const failed: HistoryEntry = {
  at: at(20),
  stepIndex: 1,
  weight: 0,
  event: "rollback",
  revision: 42,
  verdict: {
    result: "fail",
    reason: "canary success rate below stable",
    canary: { requests: 140, errors: 14, successRate: 90, p50Ms: 5, p99Ms: 120 },
    stable: { requests: 13800, errors: 3, successRate: 99.98 },
    checks: [
      { name: "successRate", result: "fail", value: 90, threshold: 99 },
      { name: "p99", result: "pass", value: 120, threshold: 500 },
    ],
  },
};

const rollout: Rollout = {
  metadata: { name: "reviews", namespace: "default" },
  spec: { service: "reviews", stableSubset: "v1", canarySubset: "v3", virtualService: "reviews", steps: [{ weight: 0.1 }, { weight: 1 }, { weight: 5, approval: true }], analysis: { failureLimit: 1 } },
  status: {
    phase: "Progressing",
    stepIndex: 1,
    weight: 1,
    steps: [{ weight: 0.1 }, { weight: 1 }, { weight: 5 }],
    failures: 0,
    updatedAt: at(50),
    history: [{ at: at(90), stepIndex: 0, weight: 0.1, event: "advance", verdict: { result: "pass", canary: { requests: 101, errors: 0 } } }, hold],
  },
};

describe("rollout status view", () => {
  it("shows the target, phase, step of steps, weight and failure limit", () => {
    const text = renderStatus(rollout, NOW);
    expect(text).toMatch(/^Name: +reviews$/m);
    expect(text).toMatch(/^Service: +reviews: stable v1, canary v3 \(VirtualService reviews\)$/m);
    expect(text).toMatch(/^Phase: +Progressing$/m);
    expect(text).toMatch(/^Step: +2 of 3$/m);
    expect(text).toMatch(/^Canary weight: +1%$/m);
    expect(text).toMatch(/^Failures: +0 \(limit 1\)$/m);
    expect(text).toMatch(/^Updated: +50s ago$/m);
  });

  it("gives each step its latest verdict with the numbers behind it", () => {
    const rows = renderStatus(rollout, NOW).split("\n").filter((l) => /^\d+ /.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^1 +0\.1% +- +done +pass +101 req, 0 err /);
    expect(rows[1]).toMatch(/^2 +1% +- +current +insufficient_data +12 req, 0 err, 100% ok, p50 4\.3ms, p99 31ms +1188 req, 1 err, 99\.92% ok, p50 3ms, p99 28ms +canary saw 12 requests, needs 100; successRate insufficient_data \(12 vs 100\)$/);
    expect(rows[2]).toMatch(/^3 +5% +approval +pending +- +- +-$/);
  });

  it("names the step awaiting approval (the next one), where the rollout ended, and every step done once promoted", () => {
    const waiting = { ...rollout.status!, phase: "WaitingApproval", stepIndex: 1 };
    expect([0, 1, 2].map((i) => stepState(i, waiting))).toEqual(["done", "current", "awaiting approval"]);
    expect(stepState(0, { ...waiting, stepIndex: -1 })).toBe("awaiting approval");
    expect([0, 1, 2].map((i) => stepState(i, { ...waiting, phase: "Aborted" }))).toEqual(["done", "aborted", "pending"]);
    expect([0, 1, 2].map((i) => stepState(i, { ...waiting, phase: "Promoted" }))).toEqual(["done", "done", "done"]);
  });

  it("copes with a Rollout the controller has not touched yet", () => {
    const text = renderStatus({ metadata: { name: "fresh" }, spec: { service: "ratings" } }, NOW);
    expect(text).toMatch(/^Phase: +Pending$/m);
    expect(text).toMatch(/^Step: +-$/m);
    expect(text).toMatch(/^Canary weight: +0%$/m);
    expect(text).not.toContain("STEP");
  });
});

describe("verdict cells", () => {
  it("keep the latest verdict per step, ignoring entries without one", () => {
    const byStep = latestVerdicts([hold, { at: at(30), stepIndex: 1, event: "pause" }, failed]);
    expect(byStep.get(1)).toBe(failed);
    expect(byStep.size).toBe(1);
  });

  it("list only the checks that did not pass, with value and threshold", () => {
    expect(describeVerdict(failed.verdict)).toBe("canary success rate below stable; successRate fail (90 vs 99)");
    expect(describeSide(failed.verdict!.stable)).toBe("13800 req, 3 err, 99.98% ok");
    expect(describeSide(undefined)).toBe("-");
    expect([percent(0.1), percent(12.345), percent(undefined)]).toEqual(["0.1%", "12.35%", "-"]);
  });
});

describe("rollout history view", () => {
  it("lists each event with its step, weight, verdict, revision and why", () => {
    const lines = renderHistory([hold, failed], NOW).split("\n");
    expect(lines[0]).toMatch(/^AGE +STEP +WEIGHT +EVENT +VERDICT +CANARY +STABLE +REVISION +WHY$/);
    expect(lines[1]).toMatch(/^50s +2 +1% +hold +insufficient_data +12 req/);
    expect(lines[2]).toMatch(/^20s +2 +0% +rollback +fail +140 req, 14 err, 90% ok, p50 5ms, p99 120ms +13800 req, 3 err, 99\.98% ok +42 +canary success rate below stable; successRate fail \(90 vs 99\)$/);
  });
});
