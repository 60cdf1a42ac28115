// The rollout benchmark's experiment: for each traffic scenario, N rollouts whose canary
// breaks at a seeded moment of its first minute, each run under every contender policy on
// the same seeded traffic. Entry of the bench section (bundled for Node by the harness).
import { flaggerPolicy, FLAGGER_DEFAULT } from "./flagger.ts";
import { isthmusPolicy } from "./isthmus.ts";
import type { RolloutPolicy } from "./policy.ts";
import { simulateRollout, type RolloutOutcome } from "./simulate.ts";
import { TrafficStream, type TrafficModel } from "./traffic.ts";
import { seededRandom } from "../../../dataplane/traffic/random.ts";

export interface Scenario {
  name: string;
  traffic: Omit<TrafficModel, "breachAtSecond">;
  /** false: the canary never breaks (how often a healthy canary is promoted, and how fast). */
  breach: boolean;
}

export interface Contender {
  name: string;
  policy: () => RolloutPolicy;
}

export interface ContenderRun {
  scenario: string;
  contender: string;
  outcomes: (RolloutOutcome & { breachAtSecond: number })[];
}

/** The breach falls in this range of seconds after the rollout began (uniform, seeded). */
export const BREACH_WINDOW: [number, number] = [0, 60];

const TARGET = { service: "reviews", stableSubset: "v1", canarySubset: "v3", virtualService: "reviews" };
/** Isthmus's analysis in every Isthmus contender: the spec's defaults plus a 99 % floor. */
export const ISTHMUS_ANALYSIS = { interval: "10s", minRequests: 100, successRate: { min: 99, confidence: 0.95 }, failureLimit: 1 };

export const CONTENDERS: Contender[] = [
  { name: "Isthmus: steps 1, 5, 10, 25, 50, 100 %", policy: () => isthmusPolicy({ ...TARGET, steps: [1, 5, 10, 25, 50, 100].map((weight) => ({ weight })), analysis: ISTHMUS_ANALYSIS }) },
  { name: "Isthmus: stepWeight 10 (Flagger's schedule)", policy: () => isthmusPolicy({ ...TARGET, stepWeight: 10, analysis: ISTHMUS_ANALYSIS }) },
  { name: "Flagger-style: interval 1m, threshold 5, stepWeight 10", policy: () => flaggerPolicy(FLAGGER_DEFAULT) },
];

export const SCENARIOS: Scenario[] = [
  { name: "1,000 rps, canary fails 10 % after the breach", breach: true, traffic: { rps: 1000, baselineErrorRate: 0.001, canaryErrorRate: 0.1 } },
  { name: "1,000 rps, canary fails 2 % after the breach", breach: true, traffic: { rps: 1000, baselineErrorRate: 0.001, canaryErrorRate: 0.02 } },
  { name: "50 rps, canary fails 10 % after the breach", breach: true, traffic: { rps: 50, baselineErrorRate: 0.001, canaryErrorRate: 0.1 } },
  { name: "1,000 rps, healthy canary (no breach)", breach: false, traffic: { rps: 1000, baselineErrorRate: 0.001, canaryErrorRate: 0.001 } },
];

/** Runs `rollouts` rollouts of every scenario under every contender; rollout i has the same traffic and breach for all. */
export function runExperiment({ scenarios = SCENARIOS, contenders = CONTENDERS, rollouts = 20, seed = 19, maxSeconds = 3_600 } = {}): ContenderRun[] {
  const runs: ContenderRun[] = [];
  for (const scenario of scenarios) {
    const breaches = seededRandom(seed);
    const plan = Array.from({ length: rollouts }, (_, i) => {
      const at = Math.floor(BREACH_WINDOW[0] + breaches() * (BREACH_WINDOW[1] - BREACH_WINDOW[0]));
      return { seed: seed * 1_000 + i, breachAtSecond: scenario.breach ? at : Infinity };
    });
    for (const contender of contenders) {
      const outcomes = plan.map(({ seed: trafficSeed, breachAtSecond }) => ({
        ...simulateRollout(contender.policy(), new TrafficStream({ ...scenario.traffic, breachAtSecond }, trafficSeed), maxSeconds),
        breachAtSecond,
      }));
      runs.push({ scenario: scenario.name, contender: contender.name, outcomes });
    }
  }
  return runs;
}
