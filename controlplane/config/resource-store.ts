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

/** Canonical JSON of what a user wrote (apiVersion, kind, name, namespace, labels, annotations, spec): equal text means nothing to change. */
export function contentJson(resource: Resource | SnapshotResource): string {
  return rowContent(contentColumns(resource));
}

export function readResource(sql: SqlStorage, key: ResourceKey): StoredRow | null {
  const rows = sql
    .exec<ResourceRow>(`SELECT * FROM resources WHERE kind = ? AND namespace = ? AND name = ?`, key.kind, key.namespace, key.name)
    .toArray();
  return rows.length === 0 ? null : fromRow(rows[0]!);
}

/** Resources of one kind and/or namespace (all when unset), sorted by kind, namespace, name. */
export function listResources(sql: SqlStorage, filter: { kind?: string; namespace?: string } = {}): StoredRow[] {
  return sql
    .exec<ResourceRow>(
      `SELECT * FROM resources WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR namespace = ?2) ORDER BY kind, namespace, name`,
      filter.kind ?? null,
      filter.namespace ?? null,
    )
    .toArray()
    .map(fromRow);
}

/** Writes `resource` at `revision`; generation moves only when the spec changes, as in Kubernetes. */
export function writeResource(sql: SqlStorage, resource: Resource | SnapshotResource, revision: number, now: string, existing: StoredRow | null): void {
  const columns = contentColumns(resource);
  const generation = existing ? existing.generation + (existing.specJson === columns.spec ? 0 : 1) : 1;
  sql.exec(
    `INSERT INTO resources (kind, namespace, name, api_version, labels, annotations, spec, resource_version, generation, uid, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (kind, namespace, name) DO UPDATE SET api_version = excluded.api_version, labels = excluded.labels,
       annotations = excluded.annotations, spec = excluded.spec, resource_version = excluded.resource_version,
       generation = excluded.generation, updated_at = excluded.updated_at`,
    columns.kind,
    columns.namespace,
    columns.name,
    columns.api_version,
    columns.labels,
    columns.annotations,
    columns.spec,
    revision,
    generation,
    existing?.uid ?? crypto.randomUUID(),
    existing?.createdAt ?? now,
    now,
  );
}

export function deleteResource(sql: SqlStorage, key: ResourceKey): void {
  sql.exec(`DELETE FROM resources WHERE kind = ? AND namespace = ? AND name = ?`, key.kind, key.namespace, key.name);
}

function fromRow(row: ResourceRow): StoredRow {
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
  return { resource, content: rowContent(row), specJson: row.spec, generation: row.generation, uid: row.uid, createdAt: row.created_at };
}

/**
 * `contentJson` of a stored row without parsing it: labels, annotations and spec are stored
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
