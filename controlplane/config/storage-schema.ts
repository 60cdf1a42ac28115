// Tables of the MeshControl Durable Object (SQLite). Each statement is idempotent so the
// object can run it on every start; add new statements at the end, never edit old ones.
const STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS resources (
     kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
     api_version TEXT NOT NULL, labels TEXT NOT NULL, annotations TEXT NOT NULL, spec TEXT NOT NULL,
     resource_version INTEGER NOT NULL, generation INTEGER NOT NULL, uid TEXT NOT NULL,
     created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
     PRIMARY KEY (kind, namespace, name))`,
  `CREATE TABLE IF NOT EXISTS revisions (
     number INTEGER PRIMARY KEY, created_at TEXT NOT NULL, actor TEXT NOT NULL,
     operation TEXT NOT NULL, message TEXT NOT NULL)`,
  // One row per resource a revision touched; before/after are canonical content JSON (NULL = absent).
  `CREATE TABLE IF NOT EXISTS revision_changes (
     revision INTEGER NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
     action TEXT NOT NULL, before TEXT, after TEXT,
     PRIMARY KEY (revision, kind, namespace, name))`,
  `CREATE INDEX IF NOT EXISTS revision_changes_by_resource ON revision_changes (kind, namespace, name, revision)`,
  `CREATE TABLE IF NOT EXISTS tokens (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
     created_at TEXT NOT NULL, created_by TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS endpoints (
     id TEXT PRIMARY KEY, namespace TEXT NOT NULL, service TEXT NOT NULL, address TEXT NOT NULL,
     labels TEXT NOT NULL, ttl_seconds INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL,
     healthy INTEGER NOT NULL, registered_at TEXT NOT NULL,
     UNIQUE (namespace, service, address))`,
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // The compiled snapshot of the current version, so a restart does not recompile.
  `CREATE TABLE IF NOT EXISTS snapshots (version INTEGER PRIMARY KEY, body TEXT NOT NULL)`,
  // Binding names data planes report with snapshot pulls (mesh-control/workload-bindings.ts).
  `CREATE TABLE IF NOT EXISTS workload_bindings (
     namespace TEXT NOT NULL, service_account TEXT NOT NULL, bindings TEXT NOT NULL, reported_at INTEGER NOT NULL,
     PRIMARY KEY (namespace, service_account, bindings))`,
];

// Columns added after their table was created: added when missing (SQLite has no
// ADD COLUMN IF NOT EXISTS). Append only.
const COLUMNS: [table: string, column: string, definition: string][] = [
  // A dataplane token's workload identity (both set, or neither for other roles).
  ["tokens", "namespace", "TEXT"],
  ["tokens", "service_account", "TEXT"],
  // The service account an endpoint runs as, and the actor who registered it.
  ["endpoints", "service_account", "TEXT"],
  ["endpoints", "registered_by", "TEXT NOT NULL DEFAULT ''"],
];

/** Creates the MeshControl tables and columns that do not exist yet. */
export function migrate(sql: SqlStorage): void {
  for (const statement of STATEMENTS) sql.exec(statement);
  for (const [table, column, definition] of COLUMNS) {
    if (!sql.exec(`SELECT * FROM ${table} LIMIT 0`).columnNames.includes(column)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  }
}
