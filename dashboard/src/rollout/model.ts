// What the Rollout page draws, from the API's JSON: one row per step with its latest verdict,
// and the canary-vs-stable lines of the chart from `/series`.
import type { Point } from "../service/history.ts";
import type { RolloutEvent, RolloutSeries, RolloutSide, RolloutStatus } from "../types.ts";

/** Phases after which the controller no longer changes weights on its own. */
export const TERMINAL_PHASES = ["Promoted", "RolledBack", "Aborted", "Failed"];

/** The actions the API takes as `POST .../rollouts/NAME:ACTION`, in the order of the buttons. */
export const ACTIONS = [
  { action: "approve", label: "Approve", hint: "pass the manual gate of the next step" },
  { action: "pause", label: "Pause", hint: "hold the current weight" },
  { action: "resume", label: "Resume", hint: "go on advancing" },
  { action: "promote", label: "Promote", hint: "canary to 100% now" },
  { action: "abort", label: "Abort", hint: "canary to 0% now" },
  { action: "retry", label: "Retry", hint: "start again from the first step" },
] as const;

/** A weight in percent as written: `0.01%`, `5%`, `100%`. */
export function formatWeight(weight: number): string {
  return `${Number(weight.toFixed(2))}%`;
}

export type StepState = "done" | "current" | "awaiting approval" | "pending" | "rolled back" | "aborted" | "failed";

export interface StepRow {
  number: number;
  weight: number;
  approval: boolean;
  state: StepState;
  /** The step's latest analysis, if any. */
  latest?: RolloutEvent;
}

const ENDED: Record<string, StepState> = { RolledBack: "rolled back", Aborted: "aborted", Failed: "failed" };

/**
 * One row per step: where the rollout stands on it (the step after the current one while it
 * waits for approval) and its latest verdict. The status lists weights only; the spec's
 * explicit steps say which wait for approval.
 */
export function stepRows(status: RolloutStatus, specSteps: { weight: number; approval?: boolean }[] = []): StepRow[] {
  const latest = new Map<number, RolloutEvent>();
  for (const event of status.history ?? []) if (event.verdict && typeof event.stepIndex === "number") latest.set(event.stepIndex, event);
  const current = status.stepIndex ?? -1;
  const stateOf = (i: number): StepState => {
    if (status.phase === "Promoted" || i < current) return "done";
    if (i === current) return ENDED[status.phase ?? ""] ?? "current";
    return i === current + 1 && status.phase === "WaitingApproval" ? "awaiting approval" : "pending";
  };
  return (status.steps ?? []).map((step, i) => ({
    number: i + 1,
    weight: step.weight,
    approval: step.approval === true || specSteps.some((s) => s.weight === step.weight && s.approval === true),
    state: stateOf(i),
    latest: latest.get(i),
  }));
}

/** Success as a fraction (null without requests), as the charts' percent format takes it. */
export function successOf(side: RolloutSide | undefined): number | null {
  if (!side || side.requests <= 0) return null;
  return (side.requests - side.errors) / side.requests;
}

export type SeriesMetric = "successRate" | "p50" | "p99";

/** The canary and stable lines of one metric over the buckets; null where a side had no requests. */
export function seriesLines(series: RolloutSeries, metric: SeriesMetric): { version: string; points: Point[] }[] {
  const value = (side: RolloutSide): number | null => {
    if (side.requests <= 0) return null;
    if (metric === "successRate") return successOf(side);
    return (metric === "p50" ? side.p50Ms : side.p99Ms) ?? null;
  };
  return (["canary", "stable"] as const).map((which) => ({
    version: which,
    points: series.buckets.map((bucket) => ({ at: Date.parse(bucket.at), value: value(bucket[which]) })),
  }));
}
