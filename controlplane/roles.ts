import { z } from "zod";

/**
 * Token roles. viewer < editor < admin form a ladder (each may do what the lower may);
 * `dataplane` is a separate role for data-plane Workers outside Workers RPC: it reads
 * snapshots and keeps registry endpoints alive, nothing else.
 */
export const roleSchema = z.enum(["viewer", "editor", "admin", "dataplane"]);
export type Role = z.infer<typeof roleSchema>;

const LADDER: Partial<Record<Role, number>> = { viewer: 1, editor: 2, admin: 3 };

/** True when a principal holding `held` may call an operation needing `needed` (or one of `alsoAllow`). */
export function roleAllows(held: Role, needed: Role, alsoAllow: readonly Role[] = []): boolean {
  if (held === "admin" || held === needed || alsoAllow.includes(held)) return true;
  const heldRank = LADDER[held];
  const neededRank = LADDER[needed];
  return heldRank !== undefined && neededRank !== undefined && heldRank >= neededRank;
}
