import type { RolloutEvent, RolloutSide, RolloutStatus, RolloutVerdict } from "../types.ts";
import { formatMs, formatPercent, formatTime } from "../ui/format.ts";
import { formatWeight, stepRows, successOf } from "./model.ts";

/** One row per step: weight, gate, where the rollout stands, the latest verdict and its numbers. */
export function StepsTable({ status, specSteps }: { status: RolloutStatus; specSteps?: { weight: number; approval?: boolean }[] }) {
  const rows = stepRows(status, specSteps);
  if (rows.length === 0) return <p>No steps planned yet.</p>;
  return (
    <table class="rollout-steps">
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Weight</th>
          <th scope="col">Gate</th>
          <th scope="col">State</th>
          <th scope="col">Verdict</th>
          <th scope="col">Canary</th>
          <th scope="col">Stable</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.number} data-step={row.number} data-state={row.state} aria-current={row.state === "current" || row.state === "awaiting approval" ? "step" : undefined}>
            <th scope="row">{row.number}</th>
            <td class="num">{formatWeight(row.weight)}</td>
            <td>{row.approval ? "approval" : "–"}</td>
            <td>{row.state}</td>
            <td>
              <Verdict verdict={row.latest?.verdict} />
            </td>
            <td>
              <Side side={row.latest?.verdict?.canary} />
            </td>
            <td>
              <Side side={row.latest?.verdict?.stable} />
            </td>
            <td>{why(row.latest?.verdict)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Every transition and analysis, newest first. */
export function HistoryTable({ events }: { events: RolloutEvent[] }) {
  if (events.length === 0) return <p>Nothing recorded yet.</p>;
  return (
    <table class="rollout-history">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Step</th>
          <th scope="col">Weight</th>
          <th scope="col">Event</th>
          <th scope="col">Verdict</th>
          <th scope="col">Canary</th>
          <th scope="col">Stable</th>
          <th scope="col">Revision</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {[...events].reverse().map((e, i) => (
          <tr key={`${e.at}-${i}`} data-event={e.event}>
            <td>{formatTime(e.at)}</td>
            <td>{typeof e.stepIndex === "number" && e.stepIndex >= 0 ? e.stepIndex + 1 : "–"}</td>
            <td class="num">{typeof e.weight === "number" ? formatWeight(e.weight) : "–"}</td>
            <td>{e.event}</td>
            <td>
              <Verdict verdict={e.verdict} />
            </td>
            <td>
              <Side side={e.verdict?.canary} />
            </td>
            <td>
              <Side side={e.verdict?.stable} />
            </td>
            <td>{e.revision ?? "–"}</td>
            <td>{[e.reason ?? e.message, why(e.verdict)].filter(Boolean).join("; ")}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Verdict({ verdict }: { verdict?: RolloutVerdict }) {
  if (!verdict) return <>–</>;
  return <span class={`verdict verdict-${verdict.result}`}>{verdict.result.replace("_", " ")}</span>;
}

function Side({ side }: { side?: RolloutSide }) {
  if (!side) return <>–</>;
  return (
    <span class="side">
      {side.requests} req, {side.errors} err, {formatPercent(successOf(side))} ok, p50 {formatMs(side.p50Ms ?? null)}, p99 {formatMs(side.p99Ms ?? null)}
    </span>
  );
}

/** The verdict's reason, then each check that did not pass with its value and threshold. */
function why(verdict?: RolloutVerdict): string {
  if (!verdict) return "";
  const checks = (verdict.checks ?? [])
    .filter((c) => c.result !== "pass")
    .map((c) => `${c.name} ${c.result.replace("_", " ")}${typeof c.value === "number" ? ` (${round(c.value)} vs ${typeof c.threshold === "number" ? round(c.threshold) : "–"})` : ""}`);
  return [verdict.reason, ...checks].filter(Boolean).join("; ");
}

function round(n: number): string {
  return String(Number(n.toFixed(3)));
}
