import type { Role } from "../roles.ts";
import type { WorkloadIdentity } from "./registry-access.ts";

/** An API token as listed: never its secret or hash. */
export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  /** A `dataplane` token's workload: the only endpoints it may write in the registry. */
  namespace?: string;
  serviceAccount?: string;
}

type TokenRow = {
  id: string;
  name: string;
  role: string;
  hash: string;
  created_at: string;
  created_by: string;
  namespace: string | null;
  service_account: string | null;
};

/** Stores a minted token by the SHA-256 hex of its secret. */
export function storeToken(sql: SqlStorage, token: TokenRecord, hash: string): void {
  sql.exec(
    `INSERT INTO tokens (id, name, role, hash, created_at, created_by, namespace, service_account) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    token.id,
    token.name,
    token.role,
    hash,
    token.createdAt,
    token.createdBy,
    token.namespace ?? null,
    token.serviceAccount ?? null,
  );
}

export function tokenByHash(sql: SqlStorage, hash: string): TokenRecord | null {
  const row = sql.exec<TokenRow>(`SELECT * FROM tokens WHERE hash = ?`, hash).toArray()[0];
  return row ? recordOf(row) : null;
}

export function listTokens(sql: SqlStorage): TokenRecord[] {
  return sql.exec<TokenRow>(`SELECT * FROM tokens ORDER BY created_at, id`).toArray().map(recordOf);
}

/** Deletes a token; answers whether it existed. */
export function revokeToken(sql: SqlStorage, id: string): boolean {
  return sql.exec(`DELETE FROM tokens WHERE id = ?`, id).rowsWritten > 0;
}

/** The workload a token is bound to, if any. */
export function identityOf(token: TokenRecord): WorkloadIdentity | undefined {
  return token.namespace !== undefined && token.serviceAccount !== undefined ? { namespace: token.namespace, serviceAccount: token.serviceAccount } : undefined;
}

function recordOf(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdAt: row.created_at,
    createdBy: row.created_by,
    ...(row.namespace !== null && row.service_account !== null ? { namespace: row.namespace, serviceAccount: row.service_account } : {}),
  };
}
