// The CA's SQLite tables (Durable Object storage). Synchronous, so each method is atomic
// with respect to other requests to the CA.
import { IssuanceTally, type IssuanceCount } from "./issuance-tally";

/** An X.509 authority row: a root (in the bundle) or an intermediate (in chains). */
export interface AuthorityRow {
  id: string;
  role: "root" | "intermediate";
  source: "generated" | "operator";
  cert_pem: string;
  /** Sealed PKCS#8; null for an operator root whose key we were not given. */
  sealed_key: string | null;
  key_algorithm: string | null;
  parent_id: string | null;
  state: "active" | "retiring";
  created_at: number;
  not_after: number;
  last_leaf_exp: number;
  retire_at: number | null;
}

export interface JwtKeyRow {
  kid: string;
  public_jwk: string;
  sealed_key: string;
  state: "active" | "retiring";
  created_at: number;
  last_exp: number;
  retire_at: number | null;
}

export interface IdentityRow {
  spiffe_id: string;
  namespace: string;
  service_account: string;
  created_at: number;
  revoked_at: number | null;
  attestation: "join-token" | "binding";
}

export type IssuedKind = "jwt-svid" | "x509-svid";

/** An identity as listed: with its unused join tokens and its last issuance. */
export type IdentityListRow = IdentityRow & { active_tokens: number; last_issued_at: number | null };

export interface JoinTokenRow {
  hash: string;
  spiffe_id: string;
  created_at: number;
  expires_at: number | null;
  single_use: number;
  used_at: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS authorities (
  id TEXT PRIMARY KEY, role TEXT NOT NULL, source TEXT NOT NULL, cert_pem TEXT NOT NULL,
  sealed_key TEXT, key_algorithm TEXT, parent_id TEXT, state TEXT NOT NULL,
  created_at INTEGER NOT NULL, not_after INTEGER NOT NULL,
  last_leaf_exp INTEGER NOT NULL DEFAULT 0, retire_at INTEGER);
CREATE TABLE IF NOT EXISTS jwt_keys (
  kid TEXT PRIMARY KEY, public_jwk TEXT NOT NULL, sealed_key TEXT NOT NULL, state TEXT NOT NULL,
  created_at INTEGER NOT NULL, last_exp INTEGER NOT NULL DEFAULT 0, retire_at INTEGER);
CREATE TABLE IF NOT EXISTS identities (
  spiffe_id TEXT PRIMARY KEY, namespace TEXT NOT NULL, service_account TEXT NOT NULL,
  created_at INTEGER NOT NULL, revoked_at INTEGER, attestation TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS join_tokens (
  hash TEXT PRIMARY KEY, spiffe_id TEXT NOT NULL, created_at INTEGER NOT NULL,
  expires_at INTEGER, single_use INTEGER NOT NULL, used_at INTEGER);
CREATE TABLE IF NOT EXISTS issuance (
  spiffe_id TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL, last_at INTEGER NOT NULL,
  PRIMARY KEY (spiffe_id, kind));
`;

type Row = Record<string, SqlStorageValue>;

/** Typed access to the CA tables. Times are milliseconds since the epoch. */
export class CaStore {
  /** The latest leaf expiry this object wrote per authority (see recordLeaf). */
  private readonly recordedLeafExp = new Map<string, number>();
  private readonly tally = new IssuanceTally((counts) => this.writeIssuance(counts));

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  private all<T>(query: string, ...params: SqlStorageValue[]): T[] {
    return this.sql.exec<Row>(query, ...params).toArray() as T[];
  }

  private one<T>(query: string, ...params: SqlStorageValue[]): T | null {
    return this.all<T>(query, ...params)[0] ?? null;
  }

  meta(key: string): string | null {
    return this.one<{ value: string }>("SELECT value FROM meta WHERE key = ?", key)?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
  }

  /** Increments the bundle's spiffe_sequence; every bundle change calls this. */
  bumpSequence(): number {
    const next = Number(this.meta("sequence") ?? "0") + 1;
    this.setMeta("sequence", String(next));
    return next;
  }

  sequence(): number {
    return Number(this.meta("sequence") ?? "0");
  }

  authorities(): AuthorityRow[] {
    return this.all<AuthorityRow>("SELECT * FROM authorities ORDER BY created_at");
  }

  /** The authority that signs leaves: the active intermediate, else the active root with a key. */
  issuer(): AuthorityRow | null {
    return (
      this.one<AuthorityRow>("SELECT * FROM authorities WHERE state = 'active' AND sealed_key IS NOT NULL ORDER BY role = 'intermediate' DESC, created_at DESC LIMIT 1")
    );
  }

  insertAuthority(row: AuthorityRow): void {
    this.sql.exec(
      "INSERT INTO authorities (id, role, source, cert_pem, sealed_key, key_algorithm, parent_id, state, created_at, not_after, last_leaf_exp, retire_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      row.id, row.role, row.source, row.cert_pem, row.sealed_key, row.key_algorithm, row.parent_id, row.state, row.created_at, row.not_after, row.last_leaf_exp, row.retire_at,
    );
  }

  /** Puts every active authority into retirement, kept until `retireAt`. */
  retireActiveAuthorities(now: number, skewMs: number): void {
    const active = this.all<AuthorityRow>("SELECT * FROM authorities WHERE state = 'active'");
    const lastLeaf = Math.max(now, ...active.map((a) => a.last_leaf_exp));
    this.sql.exec("UPDATE authorities SET state = 'retiring', retire_at = ? WHERE state = 'active'", lastLeaf + skewMs);
  }

  /**
   * Raises the authority's (and its parent's) latest leaf expiry to `exp`. Leaves expire on
   * whole seconds and most are later than the last, so the rows are written once a second,
   * not once a leaf: a leaf no later than one already recorded writes nothing.
   */
  recordLeaf(id: string, exp: number): void {
    if ((this.recordedLeafExp.get(id) ?? 0) >= exp) return;
    this.recordedLeafExp.set(id, exp);
    this.sql.exec("UPDATE authorities SET last_leaf_exp = MAX(last_leaf_exp, ?) WHERE id = ?", exp, id);
    const parent = this.one<{ parent_id: string | null }>("SELECT parent_id FROM authorities WHERE id = ?", id)?.parent_id;
    if (parent) this.sql.exec("UPDATE authorities SET last_leaf_exp = MAX(last_leaf_exp, ?) WHERE id = ?", exp, parent);
  }

  jwtKeys(): JwtKeyRow[] {
    return this.all<JwtKeyRow>("SELECT * FROM jwt_keys ORDER BY created_at");
  }

  activeJwtKey(): JwtKeyRow | null {
    return this.one<JwtKeyRow>("SELECT * FROM jwt_keys WHERE state = 'active' ORDER BY created_at DESC LIMIT 1");
  }

  /** Retires the active JWT key (kept until its last token expires) and stores `next` active. */
  rotateJwtKey(next: JwtKeyRow, now: number, skewMs: number): void {
    this.sql.exec("UPDATE jwt_keys SET state = 'retiring', retire_at = MAX(last_exp, ?) + ? WHERE state = 'active'", now, skewMs);
    this.sql.exec(
      "INSERT INTO jwt_keys (kid, public_jwk, sealed_key, state, created_at, last_exp, retire_at) VALUES (?, ?, ?, 'active', ?, 0, NULL)",
      next.kid, next.public_jwk, next.sealed_key, next.created_at,
    );
  }

  recordJwt(kid: string, exp: number): void {
    this.sql.exec("UPDATE jwt_keys SET last_exp = MAX(last_exp, ?) WHERE kid = ?", exp, kid);
  }

  /** Deletes retired keys and authorities whose retention ended; returns how many. */
  removeRetired(now: number): number {
    const keys = this.sql.exec("DELETE FROM jwt_keys WHERE state = 'retiring' AND retire_at <= ?", now).rowsWritten;
    const cas = this.sql.exec("DELETE FROM authorities WHERE state = 'retiring' AND retire_at <= ?", now).rowsWritten;
    return keys + cas;
  }

  /** Earliest pending retirement, or null. */
  nextRetirement(): number | null {
    const a = this.one<{ t: number | null }>("SELECT MIN(retire_at) AS t FROM authorities WHERE state = 'retiring'")?.t ?? null;
    const k = this.one<{ t: number | null }>("SELECT MIN(retire_at) AS t FROM jwt_keys WHERE state = 'retiring'")?.t ?? null;
    const times = [a, k].filter((t): t is number => t !== null);
    return times.length ? Math.min(...times) : null;
  }

  identity(spiffeId: string): IdentityRow | null {
    return this.one<IdentityRow>("SELECT * FROM identities WHERE spiffe_id = ?", spiffeId);
  }

  identities(): IdentityListRow[] {
    this.tally.flush();
    return this.all(
      "SELECT i.*, (SELECT COUNT(*) FROM join_tokens t WHERE t.spiffe_id = i.spiffe_id AND t.used_at IS NULL) AS active_tokens, " +
        "(SELECT MAX(last_at) FROM issuance s WHERE s.spiffe_id = i.spiffe_id) AS last_issued_at FROM identities i ORDER BY namespace, service_account",
    );
  }

  /** Counts one credential issued to `spiffeId`; written with others within a second (issuance-tally.ts). */
  recordIssuance(spiffeId: string, kind: IssuedKind, now: number): void {
    this.tally.add(spiffeId, kind, now);
  }

  /** One small upsert per identity and kind, no per-credential row. */
  private writeIssuance(counts: IssuanceCount[]): void {
    for (const { spiffeId, kind, count, lastAt } of counts) {
      this.sql.exec(
        "INSERT INTO issuance (spiffe_id, kind, count, last_at) VALUES (?, ?, ?, ?) ON CONFLICT (spiffe_id, kind) DO UPDATE SET count = count + excluded.count, last_at = MAX(last_at, excluded.last_at)",
        spiffeId, kind, count, lastAt,
      );
    }
  }

  /** Credentials issued since the CA was created, by kind. */
  issuedByKind(): Record<IssuedKind, number> {
    this.tally.flush();
    const counts: Record<IssuedKind, number> = { "jwt-svid": 0, "x509-svid": 0 };
    for (const row of this.all<{ kind: IssuedKind; n: number }>("SELECT kind, SUM(count) AS n FROM issuance GROUP BY kind")) counts[row.kind] = row.n;
    return counts;
  }

  insertIdentity(row: IdentityRow): void {
    this.sql.exec(
      "INSERT INTO identities (spiffe_id, namespace, service_account, created_at, revoked_at, attestation) VALUES (?, ?, ?, ?, NULL, ?)",
      row.spiffe_id, row.namespace, row.service_account, row.created_at, row.attestation,
    );
  }

  revokeIdentity(spiffeId: string, now: number): void {
    // Tokens stay, so their holders are told "revoked" rather than "unknown token".
    this.sql.exec("UPDATE identities SET revoked_at = ? WHERE spiffe_id = ?", now, spiffeId);
  }

  revoked(): string[] {
    return this.all<{ spiffe_id: string }>("SELECT spiffe_id FROM identities WHERE revoked_at IS NOT NULL ORDER BY spiffe_id").map((r) => r.spiffe_id);
  }

  insertJoinToken(row: JoinTokenRow): void {
    this.sql.exec(
      "INSERT INTO join_tokens (hash, spiffe_id, created_at, expires_at, single_use, used_at) VALUES (?, ?, ?, ?, ?, NULL)",
      row.hash, row.spiffe_id, row.created_at, row.expires_at, row.single_use,
    );
  }

  /** A join token and the identity it is for (null if that row is gone), in one query: every SVID request reads both. */
  joinTokenHolder(hash: string): { token: JoinTokenRow; identity: IdentityRow | null } | null {
    const row = this.one<JoinTokenRow & { i_spiffe_id: string | null; i_namespace: string; i_service_account: string; i_created_at: number; i_revoked_at: number | null; i_attestation: IdentityRow["attestation"] }>(
      "SELECT t.*, i.spiffe_id AS i_spiffe_id, i.namespace AS i_namespace, i.service_account AS i_service_account, i.created_at AS i_created_at, " +
        "i.revoked_at AS i_revoked_at, i.attestation AS i_attestation FROM join_tokens t LEFT JOIN identities i ON i.spiffe_id = t.spiffe_id WHERE t.hash = ?",
      hash,
    );
    if (!row) return null;
    const { i_spiffe_id, i_namespace, i_service_account, i_created_at, i_revoked_at, i_attestation, ...token } = row;
    const identity = i_spiffe_id === null ? null : { spiffe_id: i_spiffe_id, namespace: i_namespace, service_account: i_service_account, created_at: i_created_at, revoked_at: i_revoked_at, attestation: i_attestation };
    return { token, identity };
  }

  /** Marks a single-use token used; false if another request used it first. */
  consumeJoinToken(hash: string, now: number): boolean {
    return this.sql.exec("UPDATE join_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL", now, hash).rowsWritten === 1;
  }
}
