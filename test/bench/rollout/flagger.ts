// Flagger's canary analysis as its docs describe it, for comparison: every `interval` the
// request success rate over the last interval is checked against a floor; a pass adds
// `stepWeight` to the canary (promotion once it reaches `maxWeight`), a failure halts the
// advance and counts; at `threshold` failed checks the canary goes back to 0. No minimum
// sample size and no comparison with the primary: a window without canary requests has no
// value, which Flagger counts as a failed check.
import type { RolloutPolicy, WindowCounts } from "./policy.ts";

export interface FlaggerSchedule {
  intervalSeconds: number;
  threshold: number;
  stepWeight: number;
  maxWeight: number;
  /** Floor of the canary's request success rate, percent. */
  minSuccessRate: number;
}

/** The schedule the issue compares with: interval 1m, threshold 5, stepWeight 10. */
export const FLAGGER_DEFAULT: FlaggerSchedule = { intervalSeconds: 60, threshold: 5, stepWeight: 10, maxWeight: 100, minSuccessRate: 99 };

export function flaggerPolicy(schedule: FlaggerSchedule = FLAGGER_DEFAULT): RolloutPolicy {
  let weight = schedule.stepWeight;
  let failedChecks = 0;
  return {
    intervalSeconds: schedule.intervalSeconds,
    weight: () => weight,
    tick(window: WindowCounts) {
      const { requests, errors } = window.canary;
      const passed = requests > 0 && (100 * (requests - errors)) / requests >= schedule.minSuccessRate;
      if (!passed) {
        failedChecks++;
        if (failedChecks >= schedule.threshold) {
          weight = 0;
          return "rolledBack";
        }
        return null;
      }
      if (weight >= schedule.maxWeight) {
        weight = 100;
        return "promoted";
      }
      weight = Math.min(schedule.maxWeight, weight + schedule.stepWeight);
      return null;
    },
  };
}
