// What the simulation asks of a rollout policy (Isthmus's controller logic or Flagger's
// schedule): the canary weight it sets now, and what it does at the end of each interval.

/** Requests and errors per side over one analysis interval. */
export interface WindowCounts {
  canary: { requests: number; errors: number };
  stable: { requests: number; errors: number };
}

export type RolloutEnd = "promoted" | "rolledBack";

export interface RolloutPolicy {
  /** Seconds between analyses. */
  intervalSeconds: number;
  /** The canary's weight in percent, as the policy has set it. */
  weight(): number;
  /** Judges the interval that just ended at `nowMs` (simulation time); may change the weight. */
  tick(window: WindowCounts, nowMs: number): RolloutEnd | null;
}
