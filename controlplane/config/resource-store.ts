import type { Resource } from "../../resources/index.ts";
import { canonicalJson } from "../../contracts/snapshot/canonical-json.ts";
import type { SnapshotResource } from "../../contracts/snapshot/schema.ts";

/** Names one resource. */
export interface ResourceKey {
  kind: string;
  namespace: string;
  name: string;
}

type ResourceRow = {
  kind: string;
  namespace: string;
  name: string;
  api_version: string;
  labels: string;
  annotations: string;
  spec: string;
  resource_version: number;
  generation: number;
  uid: string;
  created_at: string;
  updated_at: string;
};

/** A stored resource row with its content (canonical JSON) for comparison and history. */
export interface StoredRow {
  resource: Resource;
  content: string;
  /** The spec as stored (canonical JSON): generation moves when it changes. */
  specJson: string;
  generation: number;
  uid: string;
  createdAt: string;
}

export function keyOf(resource: { kind: string; metadata: { name: string; namespace?: string } }): ResourceKey {
  return { kind: resource.kind, namespace: resource.metadata.namespace ?? "default", name: resource.metadata.name };
}

export function keyString(key: ResourceKey): string {
  return `${key.kind}/${key.namespace}/${key.name}`;
}

/** The columns that hold what a user wrote; labels, annotations and spec as canonical JSON. */
type ContentColumns = Pick<ResourceRow, "api_version" | "kind" | "name" | "namespace" | "labels" | "annotations" | "spec">;

function contentColumns(resource: Resource | SnapshotResource): ContentColumns {
  const { name, namespace, labels, annotations } = resource.metadata as SnapshotResource["metadata"];
  return {
    api_version: resource.apiVersion,
    kind: resource.kind,
    name,
    namespace: namespace ?? "default",
    labels: canonicalJson(labels ?? {}),
    annotations: canonicalJson(annotations ?? {}),
    spec: canonicalJson(resource.spec),
  };
}

/** Every stored resource, sorted by kind, namespace, name (MeshControl reads them once: see ResourceIndex). */
export function listResources(sql: SqlStorage): StoredRow[] {
  return sql
    .exec<ResourceRow>(`SELECT * FROM resources ORDER BY kind, namespace, name`)
    .toArray()
    .map((row) => fromRow(row));
}

/** A resource about to be written, its content columns worked out once (apply compares and writes them). */
export interface PendingWrite {
  columns: ContentColumns;
  /** Canonical JSON of what a user wrote (apiVersion, kind, name, namespace, labels, annotations, spec): equal text means nothing to change. */
  content: string;
  existing: StoredRow | null;
}

/** The content columns and content JSON of `resource`, for comparing with `existing` and writing it. */
export function pendingWrite(resource: Resource | SnapshotResource, existing: StoredRow | null): PendingWrite {
  const columns = contentColumns(resource);
  return { columns, content: rowContent(columns), existing };
}

// Durable Object SQL binds at most 100 parameters per statement: rows go in batches that fit.
const MAX_PARAMETERS = 100;
const RESOURCE_COLUMNS = 12;

/**
 * Writes resources at `revision`, several rows per statement; generation moves only when the
 * spec changes, as in Kubernetes. Answers the rows as `listResources` would now read them.
 */
export function writeResources(sql: SqlStorage, writes: readonly PendingWrite[], revision: number, now: string): StoredRow[] {
  const rows = writes.map(({ columns, existing }): ResourceRow => ({
    ...columns,
    resource_version: revision,
    generation: existing ? existing.generation + (existing.specJson === columns.spec ? 0 : 1) : 1,
    uid: existing?.uid ?? crypto.randomUUID(),
    created_at: existing?.createdAt ?? now,
    updated_at: now,
  }));
  const perStatement = Math.floor(MAX_PARAMETERS / RESOURCE_COLUMNS);
  for (let start = 0; start < rows.length; start += perStatement) {
    const batch = rows.slice(start, start + perStatement);
    sql.exec(
      `INSERT INTO resources (kind, namespace, name, api_version, labels, annotations, spec, resource_version, generation, uid, created_at, updated_at)
       VALUES ${batch.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}
       ON CONFLICT (kind, namespace, name) DO UPDATE SET api_version = excluded.api_version, labels = excluded.labels,
         annotations = excluded.annotations, spec = excluded.spec, resource_version = excluded.resource_version,
         generation = excluded.generation, updated_at = excluded.updated_at`,
      ...batch.flatMap((row) => [row.kind, row.namespace, row.name, row.api_version, row.labels, row.annotations, row.spec, row.resource_version, row.generation, row.uid, row.created_at, row.updated_at]),
    );
  }
  return rows.map((row, index) => fromRow(row, writes[index]!.content));
}

export function deleteResource(sql: SqlStorage, key: ResourceKey): void {
  sql.exec(`DELETE FROM resources WHERE kind = ? AND namespace = ? AND name = ?`, key.kind, key.namespace, key.name);
}

function fromRow(row: ResourceRow, content = rowContent(row)): StoredRow {
  const labels = JSON.parse(row.labels) as Record<string, string>;
  const annotations = JSON.parse(row.annotations) as Record<string, string>;
  const metadata: Record<string, unknown> = { name: row.name, namespace: row.namespace };
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  Object.assign(metadata, {
    resourceVersion: String(row.resource_version),
    generation: row.generation,
    creationTimestamp: row.created_at,
    uid: row.uid,
  });
  const resource = { apiVersion: row.api_version, kind: row.kind, metadata, spec: JSON.parse(row.spec) } as unknown as Resource;
  return { resource, content, specJson: row.spec, generation: row.generation, uid: row.uid, createdAt: row.created_at };
}

/**
 * The content of a stored row (as `pendingWrite` gives it) without parsing it: labels, annotations and spec are stored
 * as canonical JSON, and the content's keys in sorted order are apiVersion, kind, metadata
 * (annotations, labels, name, namespace), spec. Reading every row for an apply cost more
 * than the apply's own work before this.
 */
export function rowContent(row: ContentColumns): string {
  let metadata = "";
  if (row.annotations !== "{}") metadata += `"annotations":${row.annotations},`;
  if (row.labels !== "{}") metadata += `"labels":${row.labels},`;
  metadata += `"name":${JSON.stringify(row.name)},"namespace":${JSON.stringify(row.namespace)}`;
  return `{"apiVersion":${JSON.stringify(row.api_version)},"kind":${JSON.stringify(row.kind)},"metadata":{${metadata}},"spec":${row.spec}}`;
}
