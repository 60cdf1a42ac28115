import type { RegisteredEndpoint } from "../../contracts/snapshot/compile.ts";

/** What a workload sends to register one endpoint of its service. */
export interface EndpointRegistration {
  namespace: string;
  service: string;
  address: string;
  labels: Record<string, string>;
  /** Seconds without a heartbeat after which the endpoint is unhealthy. */
  ttlSeconds: number;
  /** The service account the endpoint runs as (a data plane's own, when it registers). */
  serviceAccount?: string;
}

/** An endpoint as the registry API shows it. */
export interface EndpointRecord extends RegisteredEndpoint {
  id: string;
  ttlSeconds: number;
  registeredAt: string;
  /** The actor that registered it last (`admin`, `token:<name>`). */
  registeredBy: string;
}

type EndpointRow = {
  id: string;
  namespace: string;
  service: string;
  address: string;
  labels: string;
  ttl_seconds: number;
  last_heartbeat: number;
  healthy: number;
  registered_at: string;
  service_account: string | null;
  registered_by: string;
};

/** The endpoint registered at `namespace/service/address`, or null. */
export function endpointAt(sql: SqlStorage, at: { namespace: string; service: string; address: string }): EndpointRecord | null {
  const row = sql.exec<EndpointRow>(`SELECT * FROM endpoints WHERE namespace = ? AND service = ? AND address = ?`, at.namespace, at.service, at.address).toArray()[0];
  return row ? recordOf(row) : null;
}

/**
 * Registers (or re-registers) an endpoint by `registeredBy`; a known
 * `namespace/service/address` keeps its id (and its service account unless one is given).
 * Answers the record and whether the snapshot must change (new, relabelled, another service
 * account, or back to healthy).
 */
export function registerEndpoint(sql: SqlStorage, input: EndpointRegistration, registeredBy: string, now: number): { record: EndpointRecord; changed: boolean } {
  const existing = endpointAt(sql, input);
  const labels = JSON.stringify(Object.fromEntries(Object.entries(input.labels).sort(([a], [b]) => (a < b ? -1 : 1))));
  const serviceAccount = input.serviceAccount ?? existing?.serviceAccount ?? null;
  const id = existing?.id ?? crypto.randomUUID();
  sql.exec(
    `INSERT INTO endpoints (id, namespace, service, address, labels, ttl_seconds, last_heartbeat, healthy, registered_at, service_account, registered_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET labels = excluded.labels, ttl_seconds = excluded.ttl_seconds,
       last_heartbeat = excluded.last_heartbeat, healthy = 1, service_account = excluded.service_account,
       registered_by = excluded.registered_by`,
    id,
    input.namespace,
    input.service,
    input.address,
    labels,
    input.ttlSeconds,
    now,
    new Date(now).toISOString(),
    serviceAccount,
    registeredBy,
  );
  const changed =
    !existing || JSON.stringify(existing.labels) !== labels || !existing.healthy || (existing.serviceAccount ?? null) !== serviceAccount;
  return { record: readEndpoint(sql, id)!, changed };
}

/** Records a heartbeat; `changed` when the endpoint comes back to health. Null for an unknown id. */
export function heartbeat(sql: SqlStorage, id: string, now: number): { record: EndpointRecord; changed: boolean } | null {
  const before = readEndpoint(sql, id);
  if (!before) return null;
  sql.exec(`UPDATE endpoints SET last_heartbeat = ?, healthy = 1 WHERE id = ?`, now, id);
  return { record: readEndpoint(sql, id)!, changed: !before.healthy };
}

export function deregister(sql: SqlStorage, id: string): EndpointRecord | null {
  const record = readEndpoint(sql, id);
  if (record) sql.exec(`DELETE FROM endpoints WHERE id = ?`, id);
  return record;
}

export function readEndpoint(sql: SqlStorage, id: string): EndpointRecord | null {
  const row = sql.exec<EndpointRow>(`SELECT * FROM endpoints WHERE id = ?`, id).toArray()[0];
  return row ? recordOf(row) : null;
}

export function listEndpoints(sql: SqlStorage, filter: { namespace?: string; service?: string } = {}): EndpointRecord[] {
  return sql
    .exec<EndpointRow>(
      `SELECT * FROM endpoints WHERE (?1 IS NULL OR namespace = ?1) AND (?2 IS NULL OR service = ?2) ORDER BY namespace, service, address`,
      filter.namespace ?? null,
      filter.service ?? null,
    )
    .toArray()
    .map(recordOf);
}

/** Marks healthy endpoints whose TTL has lapsed unhealthy; answers nonzero when any changed. */
export function markLapsed(sql: SqlStorage, now: number): number {
  return sql.exec(`UPDATE endpoints SET healthy = 0 WHERE healthy = 1 AND last_heartbeat + ttl_seconds * 1000 <= ?`, now).rowsWritten;
}

/** When the next healthy endpoint's TTL lapses (ms since epoch), or null when none can. */
export function nextLapse(sql: SqlStorage): number | null {
  return sql.exec<{ next: number | null }>(`SELECT MIN(last_heartbeat + ttl_seconds * 1000) AS next FROM endpoints WHERE healthy = 1`).one().next;
}

function recordOf(row: EndpointRow): EndpointRecord {
  return {
    id: row.id,
    namespace: row.namespace,
    service: row.service,
    address: row.address,
    labels: JSON.parse(row.labels) as Record<string, string>,
    healthy: row.healthy === 1,
    lastHeartbeat: new Date(row.last_heartbeat).toISOString(),
    ttlSeconds: row.ttl_seconds,
    registeredAt: row.registered_at,
    registeredBy: row.registered_by,
    ...(row.service_account === null ? {} : { serviceAccount: row.service_account }),
  };
}
