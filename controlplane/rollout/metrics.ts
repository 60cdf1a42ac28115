// The rollout_* metric family for /metrics, read from each Rollout's controller.
import type { Exposition, Sample } from "../telemetry/exposition.ts";
import { meshControl, type Env } from "../env.ts";
import type { RolloutFigures } from "./controller.ts";
import { rolloutController } from "./controller-stub.ts";
import type { Phase } from "./decide.ts";

const PHASES: readonly Phase[] = ["Pending", "PreStage", "Mirroring", "Progressing", "WaitingApproval", "Paused", "Promoted", "RolledBack", "Aborted", "Failed"];

/** Adds rollout_weight, rollout_phase, rollout_step, rollout_transitions_total and rollout_analysis_total. */
export async function collectRolloutMetrics(env: Env, out: Exposition): Promise<void> {
  if (!env.ROLLOUTS) return;
  let figures: Array<{ labels: { namespace: string; rollout: string }; figures: RolloutFigures | null }>;
  try {
    figures = await readFigures(env);
  } catch (error) {
    // Rollout figures are extra: /metrics still answers without them.
    console.warn(JSON.stringify({ msg: "metrics: rollout controllers unavailable", error: String(error) }));
    return;
  }
  const known = figures.filter((f): f is { labels: { namespace: string; rollout: string }; figures: RolloutFigures } => f.figures !== null);
  const counts = (pick: (f: RolloutFigures) => Record<string, number>, label: string): Sample[] =>
    known.flatMap(({ labels, figures: f }) => Object.entries(pick(f)).map(([key, value]) => ({ labels: { ...labels, [label]: key }, value })));
  out
    .gauge("rollout_weight", "Canary weight in percent.", known.map(({ labels, figures: f }) => ({ labels, value: f.weight })))
    .gauge("rollout_phase", "1 for the rollout's current phase, 0 for the others.", known.flatMap(({ labels, figures: f }) => PHASES.map((phase) => ({ labels: { ...labels, phase }, value: f.phase === phase ? 1 : 0 }))))
    .gauge("rollout_step", "Index of the current weighted step (-1 before the first).", known.map(({ labels, figures: f }) => ({ labels, value: f.stepIndex })))
    .counter("rollout_transitions_total", "Rollout transitions by event (advance, rollback, promote, ...).", counts((f) => f.transitions, "event"))
    .counter("rollout_analysis_total", "Analyses by result (pass, fail, insufficient_data).", counts((f) => f.analyses, "result"));
}

async function readFigures(env: Env) {
  const rollouts = await meshControl(env).resources({ kind: "Rollout" });
  return Promise.all(
    rollouts.map(async (r) => ({ labels: { namespace: r.metadata.namespace, rollout: r.metadata.name }, figures: (await rolloutController(env, r.metadata.namespace, r.metadata.name)!.figures()) as RolloutFigures | null })),
  );
}
