// The weights a Rollout moves its canary through, from whichever form its spec uses.
import { parseDuration } from "../../resources/duration.ts";
import type { RolloutSpec } from "../../resources/rollout.ts";

/** One weighted step and the gates on it. */
export interface StepGate {
  weight: number;
  /** Canary requests seen in the step before it may advance. */
  minRequests: number;
  /** Milliseconds the step lasts at least. */
  minDurationMs: number;
  /** A manual approval is needed before entering it. */
  approval: boolean;
}

/** Rounds to the 0.01 % granularity weights are written in. */
export function roundWeight(weight: number): number {
  return Math.round(weight * 100) / 100;
}

/**
 * The canary weights in order, ending at 100 (promotion): explicit `steps`; `stepWeight`
 * n, 2n, ... up to `maxWeight` (default 100); or `geometric` start, start*factor, ... up to
 * its `maxWeight`. Weights are rounded to 0.01 and never repeat.
 */
export function planSteps(spec: Pick<RolloutSpec, "steps" | "stepWeight" | "maxWeight" | "geometric">): number[] {
  const weights: number[] = [];
  const push = (w: number) => {
    const rounded = roundWeight(Math.min(w, 100));
    if (rounded > (weights.at(-1) ?? 0)) weights.push(rounded);
  };
  if (spec.steps) {
    for (const step of spec.steps) push(step.weight);
  } else if (spec.stepWeight !== undefined) {
    const max = spec.maxWeight ?? 100;
    // Multiplying (not adding) keeps 0.1 * 3 from drifting to 0.30000000000000004 steps.
    for (let n = 1; roundWeight(spec.stepWeight * n) <= max; n++) push(spec.stepWeight * n);
  } else if (spec.geometric) {
    const { startWeight, factor, maxWeight = 100 } = spec.geometric;
    for (let w = startWeight; w < maxWeight; w *= factor) push(w);
    push(maxWeight);
  }
  push(100);
  return weights;
}

/** The steps with their gates: explicit steps keep theirs, generated ones take the analysis defaults. */
export function planStepGates(spec: RolloutSpec): StepGate[] {
  const defaults = spec.analysis.minRequests;
  return planSteps(spec).map((weight) => {
    const given = spec.steps?.find((step) => roundWeight(step.weight) === weight);
    return {
      weight,
      minRequests: given?.minRequests ?? defaults,
      minDurationMs: given?.minDuration ? parseDuration(given.minDuration) : 0,
      approval: given?.approval === true,
    };
  });
}
