// Text views of a Rollout's status and history: what `isthmus rollout status|history` print.
// Plain JS over the API's JSON (the Rollout contract of issue #19), so the CLI needs no build.
import { age, table } from "../output.js";

/** Phases after which the controller no longer changes weights on its own. */
export const TERMINAL_PHASES = ["Promoted", "RolledBack", "Aborted", "Failed"];

/**
 * @typedef {{ requests?: number, errors?: number, successRate?: number | null, p50Ms?: number | null, p99Ms?: number | null }} Side
 * @typedef {{ name: string, result: string, value?: number | null, threshold?: number | null }} Check
 * @typedef {{ result: string, reason?: string, canary?: Side, stable?: Side, checks?: Check[] }} Verdict
 * @typedef {{ at: string, stepIndex?: number, weight?: number, event: string, verdict?: Verdict, revision?: number, reason?: string, message?: string }} HistoryEntry
 * @typedef {{ weight: number, approval?: boolean, minRequests?: number, minDuration?: string }} Step
 * @typedef {{ phase?: string, stepIndex?: number, weight?: number, steps?: Step[], failures?: number, message?: string, updatedAt?: string, history?: HistoryEntry[] }} RolloutStatus
 * @typedef {{ metadata: { name: string, namespace?: string }, spec?: any, status?: RolloutStatus }} Rollout
 */

/** `5%`, `0.1%`, `-` when unknown. @param {number | undefined | null} weight */
export function percent(weight) {
  return typeof weight === "number" ? `${Number(weight.toFixed(2))}%` : "-";
}

/**
 * One side of a verdict in a cell: requests, errors, success rate and latency.
 * @param {Side | undefined} side
 */
export function describeSide(side) {
  if (!side) return "-";
  const parts = [`${side.requests ?? 0} req`, `${side.errors ?? 0} err`];
  if (typeof side.successRate === "number") parts.push(`${Number(side.successRate.toFixed(2))}% ok`);
  if (typeof side.p50Ms === "number") parts.push(`p50 ${ms(side.p50Ms)}`);
  if (typeof side.p99Ms === "number") parts.push(`p99 ${ms(side.p99Ms)}`);
  return parts.join(", ");
}

/**
 * Why a verdict came out as it did: its reason, then each check that did not pass with its
 * value against its threshold.
 * @param {Verdict | undefined} verdict
 */
export function describeVerdict(verdict) {
  if (!verdict) return "";
  const checks = (verdict.checks ?? []).filter((c) => c.result !== "pass").map((c) => `${c.name} ${c.result}${c.value === undefined || c.value === null ? "" : ` (${number(c.value)} vs ${number(c.threshold)})`}`);
  return [verdict.reason, ...checks].filter(Boolean).join("; ");
}

/**
 * The latest verdict recorded for each step, by step index.
 * @param {HistoryEntry[]} history @returns {Map<number, HistoryEntry>}
 */
export function latestVerdicts(history) {
  const byStep = new Map();
  for (const entry of history) if (entry.verdict && typeof entry.stepIndex === "number") byStep.set(entry.stepIndex, entry);
  return byStep;
}

/**
 * How a step stands: done, the current one (or where the rollout ended), the next one while
 * it waits for approval, or still to come; every step is done once promoted.
 * @param {number} index @param {RolloutStatus} status
 */
export function stepState(index, status) {
  if (status.phase === "Promoted") return "done";
  const current = status.stepIndex ?? -1;
  if (index < current) return "done";
  if (index === current) return ENDED[status.phase ?? ""] ?? "current";
  if (index === current + 1 && status.phase === "WaitingApproval") return "awaiting approval";
  return "pending";
}

/** @type {Record<string, string>} */
const ENDED = { RolledBack: "rolled back", Aborted: "aborted", Failed: "failed" };

/**
 * Whether the step of `weight` has a manual gate: the status lists weights only, the spec's
 * explicit steps say which wait for approval.
 * @param {any} spec @param {number} weight
 */
export function hasApproval(spec, weight) {
  return (spec?.steps ?? []).some((/** @type {Step} */ s) => s.weight === weight && s.approval === true);
}

/**
 * The status view: the Rollout's target, phase, weight and failures, then one row per step
 * with its latest verdict and the numbers behind it.
 * @param {Rollout} rollout @param {number} [now]
 */
export function renderStatus(rollout, now = Date.now()) {
  const status = rollout.status ?? {};
  const spec = rollout.spec ?? {};
  const steps = status.steps ?? [];
  const limit = spec.analysis?.failureLimit;
  const lines = [
    ["Name", rollout.metadata.name],
    ["Namespace", rollout.metadata.namespace ?? "default"],
    ["Service", `${spec.service ?? "?"}: stable ${spec.stableSubset ?? "?"}, canary ${spec.canarySubset ?? "?"} (VirtualService ${spec.virtualService ?? "?"})`],
    ["Phase", status.phase ?? "Pending"],
    ["Step", steps.length && typeof status.stepIndex === "number" && status.stepIndex >= 0 ? `${Math.min(status.stepIndex + 1, steps.length)} of ${steps.length}` : "-"],
    ["Canary weight", percent(status.weight ?? 0)],
    ["Failures", `${status.failures ?? 0}${typeof limit === "number" ? ` (limit ${limit})` : ""}`],
    ...(status.message ? [["Message", status.message]] : []),
    ["Updated", status.updatedAt ? `${age(status.updatedAt, now)} ago` : "-"],
  ];
  const width = Math.max(...lines.map(([k]) => k.length)) + 1;
  let text = lines.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}\n`).join("");
  if (steps.length === 0) return text;
  const verdicts = latestVerdicts(status.history ?? []);
  text += "\n";
  text += table(
    ["STEP", "WEIGHT", "GATE", "STATE", "VERDICT", "CANARY", "STABLE", "WHY"],
    steps.map((step, i) => {
      const entry = verdicts.get(i);
      return [String(i + 1), percent(step.weight), step.approval || hasApproval(spec, step.weight) ? "approval" : "-", stepState(i, status), entry?.verdict?.result ?? "-", describeSide(entry?.verdict?.canary), describeSide(entry?.verdict?.stable), describeVerdict(entry?.verdict)];
    }),
  );
  return text;
}

/**
 * Every transition and analysis, oldest first.
 * @param {HistoryEntry[]} items @param {number} [now]
 */
export function renderHistory(items, now = Date.now()) {
  return table(
    ["AGE", "STEP", "WEIGHT", "EVENT", "VERDICT", "CANARY", "STABLE", "REVISION", "WHY"],
    items.map((e) => [
      age(e.at, now),
      typeof e.stepIndex === "number" && e.stepIndex >= 0 ? String(e.stepIndex + 1) : "-",
      percent(e.weight),
      e.event,
      e.verdict?.result ?? "-",
      describeSide(e.verdict?.canary),
      describeSide(e.verdict?.stable),
      e.revision === undefined ? "-" : String(e.revision),
      [e.reason ?? e.message, describeVerdict(e.verdict)].filter(Boolean).join("; "),
    ]),
  );
}

/** @param {number} n */
function ms(n) {
  return `${n < 10 ? Number(n.toFixed(1)) : Math.round(n)}ms`;
}

/** @param {number | null | undefined} n */
function number(n) {
  return typeof n === "number" ? String(Number(n.toFixed(3))) : "-";
}
