// The traffic a simulated rollout sees: requests per second (seeded, the same stream for every
// policy compared), a baseline error rate on both versions, and a breach from which on the
// canary fails at its own rate. Time is the simulation's own (seconds since the rollout began).
import { seededRandom, type RandomSource } from "../../../dataplane/traffic/random.ts";

export interface TrafficModel {
  /** Mean requests per second to the service (both versions). */
  rps: number;
  /** Share of requests that fail on either version before the breach, 0..1. */
  baselineErrorRate: number;
  /** Second of the rollout from which the canary fails at `canaryErrorRate`. */
  breachAtSecond: number;
  /** Share of canary requests that fail after the breach, 0..1. */
  canaryErrorRate: number;
}

/** What one second of traffic did on each version. */
export interface SecondCounts {
  canary: { requests: number; errors: number };
  stable: { requests: number; errors: number };
  /** Canary requests after the breach (the ones that reached a failing canary). */
  exposed: number;
}

/**
 * One rollout's traffic: `second(s, weight)` splits second s's arrivals by the canary weight
 * (percent) with a running remainder, as the mesh's smooth weighted split does, and draws
 * errors. Arrivals depend only on the seed, so two policies fed the same seed see the same
 * requests; only where they send them differs.
 */
export class TrafficStream {
  private readonly arrivals: RandomSource;
  private readonly failures: RandomSource;
  private carry = 0;

  constructor(
    readonly model: TrafficModel,
    seed: number,
  ) {
    this.arrivals = seededRandom(seed);
    this.failures = seededRandom(seed ^ 0x5bd1e995);
  }

  second(s: number, weight: number): SecondCounts {
    // Arrivals vary ±20 % around the mean, uniformly, second by second.
    const total = Math.round(this.model.rps * (0.8 + 0.4 * this.arrivals()));
    this.carry += (total * weight) / 100;
    const canary = Math.min(total, Math.floor(this.carry));
    this.carry -= canary;
    const breached = s >= this.model.breachAtSecond;
    const canaryRate = breached ? this.model.canaryErrorRate : this.model.baselineErrorRate;
    return {
      canary: { requests: canary, errors: this.draw(canary, canaryRate) },
      stable: { requests: total - canary, errors: this.draw(total - canary, this.model.baselineErrorRate) },
      exposed: breached ? canary : 0,
    };
  }

  /** Failures among `n` requests that each fail with probability `rate`. */
  private draw(n: number, rate: number): number {
    let failed = 0;
    for (let i = 0; i < n; i++) if (this.failures() < rate) failed++;
    return failed;
  }
}
