import { useState } from "preact/hooks";
import { describeError } from "../api.ts";
import { useSigned } from "../context.ts";
import { href } from "../route.ts";
import { canEdit } from "../session.ts";
import type { Rollout, RolloutStatus } from "../types.ts";
import { formatTime } from "../ui/format.ts";
import { usePoll } from "../ui/poll.ts";
import { ACTIONS, formatWeight, TERMINAL_PHASES } from "./model.ts";
import { RolloutCharts } from "./rollout-charts.tsx";
import { HistoryTable, StepsTable } from "./steps-table.tsx";

const REFRESH_MS = 2_000;

export function RolloutDetail({ namespace, name }: { namespace: string; name: string }) {
  const { api, session } = useSigned();
  const path = `/v1/namespaces/${encodeURIComponent(namespace)}/rollouts/${encodeURIComponent(name)}`;
  const rollout = usePoll(() => api.get<Rollout>(path), REFRESH_MS, [path]);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const editable = canEdit(session);

  const act = async (action: string) => {
    setBusy(true);
    setMessage(null);
    try {
      const answer = await api.send<RolloutStatus | { status: RolloutStatus }>("POST", `${path}:${action}`);
      const status = "status" in answer ? answer.status : answer;
      setMessage({ ok: true, text: `${action}: now ${status.phase ?? "?"}, canary at ${formatWeight(status.weight ?? 0)}.` });
      rollout.refresh();
    } catch (error) {
      setMessage({ ok: false, text: `${action} refused: ${describeError(error)}` });
    } finally {
      setBusy(false);
    }
  };

  const r = rollout.data;
  const status = r?.status ?? {};
  const steps = status.steps ?? [];
  return (
    <section aria-labelledby="rollout-title">
      <div class="toolbar">
        <h1 id="rollout-title">
          Rollout {name}
          <span class="ns">.{namespace}</span>
        </h1>
        <a href={href({ view: "rollouts" })}>All rollouts</a>
        {rollout.updatedAt && <span class="updated">updated {rollout.updatedAt.toLocaleTimeString()}</span>}
      </div>
      {rollout.error && (
        <p class="error" role="alert">
          {rollout.error}
        </p>
      )}
      {r && (
        <>
          <dl class="facts">
            <dt>Service</dt>
            <dd>
              <a href={href({ view: "service", namespace, name: r.spec.service.split(".")[0]! })}>{r.spec.service}</a>: stable {r.spec.stableSubset}, canary{" "}
              {r.spec.canarySubset} (VirtualService {r.spec.virtualService})
            </dd>
            <dt>Phase</dt>
            <dd>
              <span class={`phase phase-${status.phase ?? "Pending"}`} data-testid="rollout-phase">
                {status.phase ?? "Pending"}
              </span>
            </dd>
            <dt>Canary weight</dt>
            <dd data-testid="rollout-weight">{formatWeight(status.weight ?? 0)}</dd>
            <dt>Step</dt>
            <dd>{steps.length && typeof status.stepIndex === "number" && status.stepIndex >= 0 ? `${Math.min(status.stepIndex + 1, steps.length)} of ${steps.length}` : "–"}</dd>
            <dt>Failed analyses</dt>
            <dd>
              {status.failures ?? 0}
              {typeof r.spec.analysis?.failureLimit === "number" ? ` (limit ${r.spec.analysis.failureLimit})` : ""}
            </dd>
            {status.message && (
              <>
                <dt>Message</dt>
                <dd data-testid="rollout-message">{status.message}</dd>
              </>
            )}
            {status.updatedAt && (
              <>
                <dt>Last change</dt>
                <dd>{formatTime(status.updatedAt)}</dd>
              </>
            )}
          </dl>
          <div class="actions rollout-actions" role="group" aria-label="Rollout actions">
            {ACTIONS.map(({ action, label, hint }) => (
              <button
                key={action}
                type="button"
                class={action === "abort" ? "danger" : action === "approve" && status.phase === "WaitingApproval" ? undefined : "secondary"}
                disabled={!editable || busy}
                title={editable ? hint : "viewers cannot change rollouts"}
                onClick={() => void act(action)}
              >
                {label}
              </button>
            ))}
            {!editable && (
              <span class="hint" data-testid="read-only">
                read-only
              </span>
            )}
            {TERMINAL_PHASES.includes(status.phase ?? "") && <span class="hint">This rollout has ended; Retry starts it again.</span>}
          </div>
          {message && (
            <p class={message.ok ? "success" : "error"} role={message.ok ? "status" : "alert"}>
              {message.text}
            </p>
          )}
          <h2>Steps</h2>
          <StepsTable status={status} specSteps={r.spec.steps} />
          <RolloutCharts path={path} />
          <h2>History</h2>
          <HistoryTable events={status.history ?? []} />
        </>
      )}
    </section>
  );
}
