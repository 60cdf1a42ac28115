import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { describeError } from "../api.ts";
import { useSigned } from "../context.ts";
import { canEdit } from "../session.ts";
import type { Revision } from "../types.ts";
import { DiffView } from "../ui/diff-view.tsx";
import { formatTime } from "../ui/format.ts";
import { usePoll } from "../ui/poll.ts";
import { resourceYaml } from "../ui/yaml.ts";

export function HistoryView() {
  const { api, session } = useSigned();
  const editable = canEdit(session);
  const revisions = usePoll(() => api.get<{ items: Revision[] }>("/v1/revisions?limit=50"), 10_000, []);
  const [open, setOpen] = useState<number | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const rollback = async (revision: number) => {
    setBusy(true);
    setMessage(null);
    try {
      const result = await api.send<{ revision: number | null; changes: { kind: string; name: string; action: string }[] }>("POST", "/v1/rollback", { revision });
      setMessage({
        ok: true,
        text:
          result.revision === null
            ? `Already as after revision ${revision}: nothing to roll back.`
            : `Rolled back to revision ${revision} as revision ${result.revision} (${result.changes.map((c) => `${c.kind} ${c.name} ${c.action}`).join(", ")}).`,
      });
      revisions.refresh();
    } catch (error) {
      setMessage({ ok: false, text: `Rollback refused: ${describeError(error)}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">History</h1>
      <p>
        Every accepted change is a revision. Rolling back to a revision restores every resource to its content right after it; the rollback is itself a new
        revision.
      </p>
      {message && (
        <p class={message.ok ? "success" : "error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
      {revisions.error && <p class="error">{revisions.error}</p>}
      <table class="history">
        <thead>
          <tr>
            <th scope="col">Revision</th>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {revisions.data?.items.map((revision, i) => (
            <Fragment key={revision.number}>
              <tr data-revision={revision.number}>
                <th scope="row">#{revision.number}</th>
                <td>{formatTime(revision.createdAt)}</td>
                <td>{revision.actor}</td>
                <td>
                  {revision.operation}: {revision.message || changesSummary(revision)}
                </td>
                <td>
                  <div class="actions">
                    <button type="button" class="secondary" aria-expanded={open === revision.number} onClick={() => setOpen(open === revision.number ? null : revision.number)}>
                      {open === revision.number ? "Hide" : "Show"} change
                    </button>
                    <button
                      type="button"
                      disabled={!editable || busy || i === 0}
                      title={i === 0 ? "This is the current state" : undefined}
                      onClick={() => void rollback(revision.number)}
                    >
                      Roll back to #{revision.number}
                    </button>
                  </div>
                </td>
              </tr>
              {open === revision.number && (
                <tr>
                  <td colSpan={5}>
                    <RevisionDetail number={revision.number} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function changesSummary(revision: Revision): string {
  const listed = revision.changes.slice(0, 3).map((c) => `${c.kind} ${c.namespace}/${c.name} ${c.action}`);
  const more = revision.changes.length - listed.length;
  return listed.join(", ") + (more > 0 ? ` and ${more} more` : "");
}

function RevisionDetail({ number }: { number: number }) {
  const { api } = useSigned();
  const detail = usePoll(() => api.get<Revision>(`/v1/revisions/${number}`), 0, [number]);
  if (detail.error) return <p class="error">{detail.error}</p>;
  if (!detail.data) return <p>Loading…</p>;
  return (
    <>
      {detail.data.changes.map((change) => (
        <DiffView
          key={`${change.kind}/${change.namespace}/${change.name}`}
          label={`${change.kind} ${change.namespace}/${change.name} ${change.action}`}
          before={resourceYaml(change.before)}
          after={resourceYaml(change.after)}
        />
      ))}
    </>
  );
}
