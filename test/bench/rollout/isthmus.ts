// Isthmus's own decision code as a simulated policy: the spec is parsed by the Rollout schema
// (defaults included), the steps planned by planStepGates, each interval judged by judge and
// acted on by decide, a window's oldest intervals dropped by intervalsToDrop, with the
// simulation's clock passed in. Only the controller's tick rules are restated: the first
// interval of a rollout only starts its window (counts from before it may still arrive), and
// a window too thin to judge grows by the next interval.
import { parseDuration } from "../../../resources/duration.ts";
import { RolloutSpec } from "../../../resources/rollout.ts";
import { decide, pendingState, start, windowSlid, type RolloutState } from "../../../controlplane/rollout/decide.ts";
import { judge } from "../../../controlplane/rollout/judge.ts";
import { planStepGates } from "../../../controlplane/rollout/steps.ts";
import { intervalsToDrop } from "../../../controlplane/rollout/window.ts";
import type { RolloutPolicy, WindowCounts } from "./policy.ts";

/** Policy of a Rollout spec (as a user writes it: the schema fills in defaults). */
export function isthmusPolicy(input: unknown): RolloutPolicy {
  const spec = RolloutSpec.parse(input);
  const intervalMs = parseDuration(spec.analysis.interval);
  if (intervalMs % 1000 !== 0) throw new Error(`analysis.interval ${spec.analysis.interval}: the simulation ticks in whole seconds`);
  const plan = { steps: planStepGates(spec), failureLimit: spec.analysis.failureLimit, preStage: null, mirror: null };
  let state: RolloutState = start(pendingState(plan, 0), 0).nextState;
  let started = false;
  // The intervals of the window held open because it was too thin to judge.
  let held: WindowCounts[] = [];
  return {
    intervalSeconds: intervalMs / 1000,
    weight: () => state.weight,
    tick(interval: WindowCounts, nowMs: number) {
      if (!started) {
        started = true;
        return null;
      }
      const intervals = [...held, interval];
      const drop = intervalsToDrop(intervals.map((i) => ({ canary: i.canary.requests, stable: i.stable.requests })), spec.analysis.minRequests);
      const parts = intervals.slice(drop);
      if (drop > 0) state = windowSlid(state, sum(intervals.slice(0, drop)).canary.requests);
      const verdict = judge(sum(parts), spec.analysis, spec.rollbackOn);
      const decision = decide(state, verdict, nowMs);
      state = decision.nextState;
      held = verdict.result === "insufficient_data" && decision.event === "hold" ? parts : [];
      return state.phase === "Promoted" ? "promoted" : state.phase === "RolledBack" ? "rolledBack" : null;
    },
  };
}

function sum(parts: WindowCounts[]): WindowCounts {
  const total: WindowCounts = { canary: { requests: 0, errors: 0 }, stable: { requests: 0, errors: 0 } };
  for (const part of parts) {
    for (const side of ["canary", "stable"] as const) {
      total[side].requests += part[side].requests;
      total[side].errors += part[side].errors;
    }
  }
  return total;
}
