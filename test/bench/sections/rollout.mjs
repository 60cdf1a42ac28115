// Progressive delivery: time from a canary's breach to weight 0 and the requests that reached
// it meanwhile, Isthmus's decision code (rollout/: planStepGates, judge, decide) against a
// Flagger-style fixed schedule, on the same simulated traffic (test/bench/rollout/). A
// simulation on an injected clock, not a run of the mesh: it needs no workerd.
import { join } from "node:path";
import { buildWorker } from "../../../local/build.mjs";
import { percentile } from "../stats.mjs";

/** Runs the experiment (bundled from TypeScript for Node) and summarises each scenario × policy. */
export async function measureRollout(buildDir, { rollouts = 20 } = {}) {
  const sim = await import(await buildWorker("test/bench/rollout/experiment.ts", join(buildDir, "rollout-experiment.mjs")));
  const t0 = performance.now();
  const runs = sim.runExperiment({ rollouts });
  return {
    rollouts,
    breachWindow: sim.BREACH_WINDOW,
    analysis: sim.ISTHMUS_ANALYSIS,
    scenarios: sim.SCENARIOS.map((s) => ({ name: s.name, breach: s.breach, ...s.traffic })),
    rows: runs.map(summarizeRun),
    simulatedMs: performance.now() - t0,
  };
}

/** One scenario × policy: how its rollouts ended, and the figures over the ones that apply. */
export function summarizeRun({ scenario, contender, outcomes }) {
  const sorted = (values) => values.filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  const breachedDuring = outcomes.filter((o) => o.breachAtSecond < o.endSecond);
  const rolledBackAfter = outcomes.filter((o) => o.breachToZeroSeconds !== null);
  const toZero = sorted(rolledBackAfter.map((o) => o.breachToZeroSeconds));
  const exposed = sorted(breachedDuring.map((o) => o.exposed));
  const shares = sorted(breachedDuring.map((o) => (o.sinceBreach ? o.exposed / o.sinceBreach : 0)));
  const errors = sorted(breachedDuring.map((o) => o.exposedErrors));
  const promotedAt = sorted(outcomes.filter((o) => o.end === "promoted").map((o) => o.endSecond));
  return {
    scenario,
    contender,
    rollouts: outcomes.length,
    rolledBackAfterBreach: rolledBackAfter.length,
    falseRollbacks: outcomes.filter((o) => o.end === "rolledBack" && o.breachToZeroSeconds === null).length,
    promoted: promotedAt.length,
    promotedFailing: outcomes.filter((o) => o.end === "promoted" && o.breachAtSecond < o.endSecond).length,
    unfinished: outcomes.filter((o) => o.end === "unfinished").length,
    breachToZero: { p50: percentile(toZero, 0.5), p99: percentile(toZero, 0.99), max: toZero.at(-1) ?? NaN },
    exposed: { p50: percentile(exposed, 0.5), p99: percentile(exposed, 0.99) },
    exposedShare: { p50: percentile(shares, 0.5), p99: percentile(shares, 0.99) },
    exposedErrors: { p50: percentile(errors, 0.5), p99: percentile(errors, 0.99) },
    promoteSeconds: { p50: percentile(promotedAt, 0.5), p99: percentile(promotedAt, 0.99) },
  };
}

const f0 = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const pct = (n) => (Number.isFinite(n) ? `${(100 * n).toFixed(1)} %` : "–");
const table = (head, rows) => [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

/** The "Progressive delivery" section of docs/BENCHMARKS.md. */
export function rolloutSection(r) {
  const breaking = r.rows.filter((x) => r.scenarios.find((s) => s.name === x.scenario)?.breach);
  const healthy = r.rows.filter((x) => !r.scenarios.find((s) => s.name === x.scenario)?.breach);
  const a = r.analysis;
  return `## Progressive delivery: breach to weight 0

**A simulation of traffic through the real decision code**, not a run of the mesh: each
rollout's requests are generated second by second (seeded; the same arrivals and breach
moment for every policy) and split by the canary weight the policy has set; every analysis
interval the policy judges the interval that ended, on an injected clock. The Isthmus rows
run the mesh's own modules unchanged — the spec parsed by the Rollout schema,
\`planStepGates\`, \`judge\`, \`decide\` and \`intervalsToDrop\` from \`rollout/\`, and the controller's
rules that a rollout's first interval only starts its window and that a window too thin to
judge grows by an interval instead of starting over — with analysis
interval ${a.interval}, minRequests ${a.minRequests} per side per window, success rate ≥ ${a.successRate.min} % and a
one-sided test against stable at ${a.successRate.confidence * 100} % confidence (Fisher's exact test, or the
two-proportion z-test once every expected count is at least 5), failureLimit ${a.failureLimit}
(one failed analysis tolerated). The Flagger-style rows follow Flagger's documented canary
analysis: every 1 min the canary's success rate over the last minute must be ≥ 99 %, a pass
adds 10 % (promotion after 100 %), a failed check halts and counts, the 5th failed check
sets the canary to 0 (no minimum sample; a window without canary requests fails).

${r.rollouts} rollouts per row; the canary breaks at a seeded second of its first minute
(${r.breachWindow[0]}–${r.breachWindow[1]} s) and then fails at the scenario's rate; baseline errors 0.1 % on both versions;
arrivals ±20 % around the mean each second. A rollout that has not ended after an hour is
"unfinished". Simulating all rows took ${f0(r.simulatedMs)} ms.

${table(
  ["scenario", "policy", "rolled back after the breach", "breach → weight 0 p50 / p99 (s)", "requests to the failing canary p50 / p99", "share of requests breach → 0 that reached it, p50", "failed requests served p50", "false rollbacks", "promoted / unfinished"],
  breaking.map((x) => [x.scenario, x.contender, `${x.rolledBackAfterBreach} / ${x.rollouts}`, `${f0(x.breachToZero.p50)} / ${f0(x.breachToZero.p99)}`, `${f0(x.exposed.p50)} / ${f0(x.exposed.p99)}`, pct(x.exposedShare.p50), f0(x.exposedErrors.p50), String(x.falseRollbacks), `${x.promoted}${x.promotedFailing ? ` (${x.promotedFailing} failing)` : ""} / ${x.unfinished}`]),
)}

Healthy canary, same traffic without a breach:

${table(
  ["scenario", "policy", "promoted", "time to promote p50 / p99 (s)", "false rollbacks", "unfinished"],
  healthy.map((x) => [x.scenario, x.contender, `${x.promoted} / ${x.rollouts}`, `${f0(x.promoteSeconds.p50)} / ${f0(x.promoteSeconds.p99)}`, String(x.falseRollbacks), String(x.unfinished)]),
)}

${r.endToEnd ? endToEndText(r.endToEnd) : ""}"Promoted" in a breaking scenario means the rollout finished before its breach (the breach
then is not the rollout's to catch); "(n failing)" would count canaries promoted after
they broke. The share column depends on how far a policy had advanced when it noticed: a
policy that advances faster exposes a larger share for a shorter time, so read it with
the absolute requests beside it.`;
}

/** The real rollouts through the local mesh, as a paragraph. */
function endToEndText(e) {
  const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : "–");
  const a = e.spec.analysis;
  return `**Through the real mesh** (local mesh on workerd, Bookinfo, the RolloutController Durable
Object; ${e.rollouts} rollouts in a row): reviews v1 -> v3 held at 20 % (analysis every ${a.interval},
p99 ceiling ${a.latency.p99Max}, minRequests ${a.minRequests}, failureLimit ${a.failureLimit}) under four clients asking
\`/api/v1/products/0/reviews\` back to back; the breach is a 1 s delay fault on ratings, applied at a
random moment of the interval, which only the canary feels (reviews-v3 calls ratings, v1 does not).
From that apply answered to the controller's weight 0 in the VirtualService: **median ${f1(e.medianSeconds)} s**
(min ${f1(e.minSeconds)}, max ${f1(e.maxSeconds)}); slow canary answers meanwhile, median ${f1(e.slowCanaryMedian)}; every
rollout ended ${e.phases.join(", ")} (last reason: "${e.reason}"; the p99 is read from the telemetry
histogram's buckets). This includes the data plane's snapshot refresh (500 ms) and telemetry
flush, which the simulation does not model.

`;
}
