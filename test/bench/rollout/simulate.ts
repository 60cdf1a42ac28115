// One simulated rollout: the policy sets the canary's weight, the traffic stream sends each
// second's requests by it, and every `intervalSeconds` the policy judges the interval that
// ended (simulation time: nothing sleeps). Measures from the breach to the canary's weight 0.
import type { RolloutEnd, RolloutPolicy, WindowCounts } from "./policy.ts";
import type { TrafficStream } from "./traffic.ts";

export interface RolloutOutcome {
  end: RolloutEnd | "unfinished";
  /** Second of the rollout at which it ended. */
  endSecond: number;
  /** Seconds from the breach to weight 0; null when the canary was never rolled back after the breach. */
  breachToZeroSeconds: number | null;
  /** Requests that reached the canary after the breach, until weight 0 (or the end). */
  exposed: number;
  /** Of those, the ones that failed. */
  exposedErrors: number;
  /** All requests from the breach until weight 0 (or the end). */
  sinceBreach: number;
}

/** Runs `policy` over `stream` until it promotes, rolls back, or `maxSeconds` pass. */
export function simulateRollout(policy: RolloutPolicy, stream: TrafficStream, maxSeconds = 3_600): RolloutOutcome {
  const breachAt = stream.model.breachAtSecond;
  let window: WindowCounts = emptyWindow();
  let exposed = 0;
  let exposedErrors = 0;
  let sinceBreach = 0;
  for (let s = 0; s < maxSeconds; s++) {
    const counts = stream.second(s, policy.weight());
    for (const side of ["canary", "stable"] as const) {
      window[side].requests += counts[side].requests;
      window[side].errors += counts[side].errors;
    }
    if (s >= breachAt) {
      exposed += counts.exposed;
      exposedErrors += counts.canary.errors;
      sinceBreach += counts.canary.requests + counts.stable.requests;
    }
    if ((s + 1) % policy.intervalSeconds !== 0) continue;
    const end = policy.tick(window, (s + 1) * 1000);
    window = emptyWindow();
    if (end) {
      const breached = s >= breachAt;
      return { end, endSecond: s + 1, breachToZeroSeconds: end === "rolledBack" && breached ? s + 1 - breachAt : null, exposed, exposedErrors, sinceBreach };
    }
  }
  return { end: "unfinished", endSecond: maxSeconds, breachToZeroSeconds: null, exposed, exposedErrors, sinceBreach };
}

function emptyWindow(): WindowCounts {
  return { canary: { requests: 0, errors: 0 }, stable: { requests: 0, errors: 0 } };
}
