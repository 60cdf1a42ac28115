// The binding names data planes report with their snapshot pulls, one row per workload
// identity and binding set: Workers sharing a service account (reviews v1, v2, v3) may hold
// different bindings, and during a gradual deployment two sets of one Worker run at once.
// A set counts while it was reported within FRESH_MS; data planes repeat it every minute.
import type { BindingReport } from "../../contracts/snapshot/binding-report.ts";
import type { WorkloadBindings } from "./reachability.ts";
import type { WorkloadIdentity } from "./registry-access.ts";

/** How long a reported binding set counts without being reported again. */
export const FRESH_MS = 5 * 60_000;
// A set reported again within this is not written again: pulls come often, sets rarely change.
const REWRITE_MS = 60_000;
// Binding sets kept per workload: versions and a gradual deployment's two sides fit; a data
// plane cycling through made-up sets only replaces its own oldest ones.
export const SETS_PER_WORKLOAD = 16;

type Row = { namespace: string; service_account: string; bindings: string; reported_at: number };

/** Records `report` for `identity` at `now`; answers whether a row was written. */
export function recordBindings(sql: SqlStorage, identity: WorkloadIdentity, report: BindingReport, now: number): boolean {
  const bindings = JSON.stringify({ services: [...new Set(report.services)].sort(), dispatchNamespaces: [...new Set(report.dispatchNamespaces)].sort() });
  const known = sql
    .exec<{ reported_at: number }>(`SELECT reported_at FROM workload_bindings WHERE namespace = ? AND service_account = ? AND bindings = ?`, identity.namespace, identity.serviceAccount, bindings)
    .toArray()[0];
  if (known && now - known.reported_at < REWRITE_MS) return false;
  sql.exec(
    `INSERT INTO workload_bindings (namespace, service_account, bindings, reported_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (namespace, service_account, bindings) DO UPDATE SET reported_at = excluded.reported_at`,
    identity.namespace,
    identity.serviceAccount,
    bindings,
    now,
  );
  // Sets no Worker reports any more are dropped, so the table stays as small as the fleet.
  sql.exec(`DELETE FROM workload_bindings WHERE reported_at < ?`, now - FRESH_MS);
  sql.exec(
    `DELETE FROM workload_bindings WHERE namespace = ?1 AND service_account = ?2 AND bindings NOT IN
       (SELECT bindings FROM workload_bindings WHERE namespace = ?1 AND service_account = ?2 ORDER BY reported_at DESC, rowid DESC LIMIT ?3)`,
    identity.namespace,
    identity.serviceAccount,
    SETS_PER_WORKLOAD,
  );
  return true;
}

/** The binding sets reported within FRESH_MS of `now`, by namespace and service account. */
export function freshBindings(sql: SqlStorage, now: number): (WorkloadBindings & { reportedAt: string })[] {
  return sql
    .exec<Row>(`SELECT * FROM workload_bindings WHERE reported_at >= ? ORDER BY namespace, service_account, bindings`, now - FRESH_MS)
    .toArray()
    .map((row) => ({
      namespace: row.namespace,
      serviceAccount: row.service_account,
      ...(JSON.parse(row.bindings) as BindingReport),
      reportedAt: new Date(row.reported_at).toISOString(),
    }));
}
