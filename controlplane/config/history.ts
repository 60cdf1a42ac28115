import type { SnapshotResource } from "../../contracts/snapshot/schema.ts";
import { jsonPatch, type PatchOperation } from "./json-patch.ts";
import type { ResourceKey } from "./resource-store.ts";

export type ChangeAction = "created" | "configured" | "deleted";

/** What one revision did to one resource; before/after are canonical content JSON, null when absent. */
export interface ChangeRecord extends ResourceKey {
  action: ChangeAction;
  before: string | null;
  after: string | null;
}

export interface RevisionSummary {
  number: number;
  createdAt: string;
  actor: string;
  operation: "apply" | "delete" | "rollback";
  message: string;
  changes: Array<ResourceKey & { action: ChangeAction }>;
}

export interface RevisionDetail extends Omit<RevisionSummary, "changes"> {
  changes: Array<ResourceKey & { action: ChangeAction; before: SnapshotResource | null; after: SnapshotResource | null }>;
}

export interface DiffEntry extends ResourceKey {
  action: "added" | "removed" | "changed";
  /** For `changed`: the JSON Patch from the older content to the newer. */
  patch?: PatchOperation[];
  before?: SnapshotResource;
  after?: SnapshotResource;
}

type RevisionRow = { number: number; created_at: string; actor: string; operation: string; message: string };
type ChangeRow = { revision: number; kind: string; namespace: string; name: string; action: string; before: string | null; after: string | null };

export function latestRevision(sql: SqlStorage): number {
  return sql.exec<{ latest: number | null }>(`SELECT MAX(number) AS latest FROM revisions`).one().latest ?? 0;
}

export function recordRevision(
  sql: SqlStorage,
  revision: Omit<RevisionSummary, "changes">,
  changes: readonly ChangeRecord[],
): void {
  sql.exec(
    `INSERT INTO revisions (number, created_at, actor, operation, message) VALUES (?, ?, ?, ?, ?)`,
    revision.number,
    revision.createdAt,
    revision.actor,
    revision.operation,
    revision.message,
  );
  // Several rows per statement, within Durable Object SQL's 100 bound parameters.
  const perStatement = Math.floor(100 / 7);
  for (let start = 0; start < changes.length; start += perStatement) {
    const batch = changes.slice(start, start + perStatement);
    sql.exec(
      `INSERT INTO revision_changes (revision, kind, namespace, name, action, before, after) VALUES ${batch.map(() => "(?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
      ...batch.flatMap((change) => [revision.number, change.kind, change.namespace, change.name, change.action, change.before, change.after]),
    );
  }
}

/** Newest first; `before` pages back from a revision number. */
export function listRevisions(sql: SqlStorage, options: { limit: number; before?: number }): RevisionSummary[] {
  const revisions = sql
    .exec<RevisionRow>(
      `SELECT * FROM revisions WHERE (?1 IS NULL OR number < ?1) ORDER BY number DESC LIMIT ?2`,
      options.before ?? null,
      options.limit,
    )
    .toArray();
  if (revisions.length === 0) return [];
  const numbers = revisions.map((row) => row.number);
  const changes = sql
    .exec<ChangeRow>(
      `SELECT revision, kind, namespace, name, action FROM revision_changes WHERE revision BETWEEN ? AND ? ORDER BY kind, namespace, name`,
      Math.min(...numbers),
      Math.max(...numbers),
    )
    .toArray();
  return revisions.map((row) => ({
    ...summaryOf(row),
    changes: changes
      .filter((change) => change.revision === row.number)
      .map(({ kind, namespace, name, action }) => ({ kind, namespace, name, action: action as ChangeAction })),
  }));
}

export function readRevision(sql: SqlStorage, number: number): RevisionDetail | null {
  const rows = sql.exec<RevisionRow>(`SELECT * FROM revisions WHERE number = ?`, number).toArray();
  if (rows.length === 0) return null;
  const changes = sql
    .exec<ChangeRow>(`SELECT * FROM revision_changes WHERE revision = ? ORDER BY kind, namespace, name`, number)
    .toArray();
  return {
    ...summaryOf(rows[0]!),
    changes: changes.map((change) => ({
      kind: change.kind,
      namespace: change.namespace,
      name: change.name,
      action: change.action as ChangeAction,
      before: parseContent(change.before),
      after: parseContent(change.after),
    })),
  };
}

/** Content of every resource as it stood after revision `number` (0: nothing), keyed `kind/namespace/name`. */
export function stateAt(sql: SqlStorage, number: number): Map<string, string> {
  const rows = sql
    .exec<{ kind: string; namespace: string; name: string; after: string | null }>(
      `SELECT c.kind, c.namespace, c.name, c.after FROM revision_changes c
       JOIN (SELECT kind, namespace, name, MAX(revision) AS revision FROM revision_changes
             WHERE revision <= ? GROUP BY kind, namespace, name) last
         ON c.kind = last.kind AND c.namespace = last.namespace AND c.name = last.name AND c.revision = last.revision
       WHERE c.after IS NOT NULL`,
      number,
    )
    .toArray();
  return new Map(rows.map((row) => [`${row.kind}/${row.namespace}/${row.name}`, row.after!]));
}

/** Resource-level difference between two states (as `stateAt` gives them), sorted by key. */
export function diffStates(from: Map<string, string>, to: Map<string, string>): DiffEntry[] {
  const keys = [...new Set([...from.keys(), ...to.keys()])].sort();
  const entries: DiffEntry[] = [];
  for (const key of keys) {
    const before = from.get(key);
    const after = to.get(key);
    if (before === after) continue;
    const [kind, namespace, ...rest] = key.split("/");
    const id = { kind: kind!, namespace: namespace!, name: rest.join("/") };
    if (before === undefined) entries.push({ ...id, action: "added", after: JSON.parse(after!) });
    else if (after === undefined) entries.push({ ...id, action: "removed", before: JSON.parse(before) });
    else entries.push({ ...id, action: "changed", patch: jsonPatch(JSON.parse(before), JSON.parse(after)) });
  }
  return entries;
}

function summaryOf(row: RevisionRow): Omit<RevisionSummary, "changes"> {
  return {
    number: row.number,
    createdAt: row.created_at,
    actor: row.actor,
    operation: row.operation as RevisionSummary["operation"],
    message: row.message,
  };
}

function parseContent(text: string | null): SnapshotResource | null {
  return text === null ? null : (JSON.parse(text) as SnapshotResource);
}
