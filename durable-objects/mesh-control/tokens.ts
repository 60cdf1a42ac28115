import type { Role } from "../../control-api/roles.ts";

/** An API token as listed: never its secret or hash. */
export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
}

type TokenRow = { id: string; name: string; role: string; hash: string; created_at: string; created_by: string };

/** Stores a minted token by the SHA-256 hex of its secret. */
export function storeToken(sql: SqlStorage, token: TokenRecord, hash: string): void {
  sql.exec(
    `INSERT INTO tokens (id, name, role, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
    token.id,
    token.name,
    token.role,
    hash,
    token.createdAt,
    token.createdBy,
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

function recordOf(row: TokenRow): TokenRecord {
  return { id: row.id, name: row.name, role: row.role as Role, createdAt: row.created_at, createdBy: row.created_by };
}
