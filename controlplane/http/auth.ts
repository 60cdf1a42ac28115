import type { MiddlewareHandler } from "hono";
import { sha256Hex } from "../../contracts/snapshot/canonical-json.ts";
import { meshControl, type ControlEnv, type Env } from "../env.ts";
import type { RegistryWriter, WorkloadIdentity } from "../config/mesh-control.ts";
import { ForbiddenError, UnauthenticatedError } from "./errors.ts";
import { roleAllows, type Role } from "../roles.ts";

/** Who is calling: the admin of `ISTHMUS_ADMIN_TOKEN`, or a minted token. */
export interface Principal {
  id: string;
  name: string;
  role: Role;
  /** The workload a `dataplane` token is bound to (set when it was minted). */
  identity?: WorkloadIdentity;
}

/**
 * Middleware: authenticates the bearer token (401 when missing or unknown) and requires
 * `role` or higher, or one of `alsoAllow` (403 otherwise). The principal is left in
 * `c.var.principal`.
 */
export function requireRole(role: Role, alsoAllow: readonly Role[] = []): MiddlewareHandler<ControlEnv> {
  return async (c, next) => {
    const principal = await authenticate(c.req.header("authorization"), c.env);
    if (!roleAllows(principal.role, role, alsoAllow)) {
      throw new ForbiddenError(`role ${principal.role} may not ${c.req.method} ${new URL(c.req.url).pathname} (needs ${role})`);
    }
    c.set("principal", principal);
    await next();
  };
}

/** The actor recorded in revisions for a principal. */
export function actorOf(principal: Principal): string {
  return principal.id === ADMIN_ID ? "admin" : `token:${principal.name}`;
}

/**
 * The principal as a registry writer: a data plane bound to its workload identity, anyone
 * else with full rights. A dataplane token minted before tokens carried an identity may
 * write nothing (403 `registry_identity_mismatch`): mint it again with one.
 */
export function registryWriterOf(principal: Principal): RegistryWriter {
  const actor = actorOf(principal);
  if (principal.role !== "dataplane") return { actor };
  if (!principal.identity) {
    throw new ForbiddenError("this dataplane token is bound to no workload identity; mint one with namespace and serviceAccount", "registry_identity_mismatch");
  }
  return { actor, identity: principal.identity };
}

const ADMIN_ID = "admin";

// The admin token's hash, worked out once per isolate (per token: tests start isolates with others).
let admin: { token: string; hash: Promise<string> } | undefined;
function adminHash(token: string): Promise<string> {
  if (admin?.token !== token) admin = { token, hash: sha256Hex(token) };
  return admin.hash;
}

async function authenticate(header: string | undefined, env: Env): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) throw new UnauthenticatedError();
  const hash = await sha256Hex(match[1]!);
  // Compare hashes, not secrets, so the comparison time says nothing about the admin token.
  if (env.ISTHMUS_ADMIN_TOKEN && hash === (await adminHash(env.ISTHMUS_ADMIN_TOKEN))) {
    return { id: ADMIN_ID, name: "admin", role: "admin" };
  }
  const token = await meshControl(env).authenticate(hash);
  if (!token) throw new UnauthenticatedError("the bearer token is not valid");
  return token;
}
