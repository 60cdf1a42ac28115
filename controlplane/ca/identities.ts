// Workload identities and their join tokens: created, listed, revoked by an admin. A token
// is returned once; only its hash is stored.
import { workloadId } from "../../identity/spiffe-id";
import type { CreateIdentityRequest, IdentityInfo, JoinTokenRequest, JoinTokenResult } from "./api";
import { CaError } from "./errors";
import { hashJoinToken, newJoinToken } from "./join-token";
import type { CaStore, IdentityListRow } from "./store";

/** The SPIFFE ID of a service account, or a 400 invalid_identity CaError. */
export function workloadIdOf(trustDomain: string, namespace: string, serviceAccount: string): string {
  try {
    return workloadId(trustDomain, namespace, serviceAccount);
  } catch (err) {
    throw new CaError(400, "invalid_identity", (err as Error).message);
  }
}

/** Creates a join-token identity and its first token (409 if it exists). */
export async function createIdentity(store: CaStore, trustDomain: string, input: CreateIdentityRequest): Promise<JoinTokenResult> {
  const spiffeId = workloadIdOf(trustDomain, input.namespace, input.serviceAccount);
  const existing = store.identity(spiffeId);
  if (existing) {
    throw new CaError(409, "conflict", existing.revoked_at ? `identity ${spiffeId} exists and is revoked` : `identity ${spiffeId} already exists; POST .../join-tokens for a new token`);
  }
  store.insertIdentity({ spiffe_id: spiffeId, namespace: input.namespace, service_account: input.serviceAccount, created_at: Date.now(), revoked_at: null, attestation: "join-token" });
  return { spiffeId, ...(await issueJoinToken(store, spiffeId, input)) };
}

/** An existing identity with its token count and last issuance, or a 404 CaError. */
export function requireIdentity(store: CaStore, trustDomain: string, namespace: string, serviceAccount: string): IdentityListRow {
  const spiffeId = workloadIdOf(trustDomain, namespace, serviceAccount);
  const identity = store.identities().find((i) => i.spiffe_id === spiffeId);
  if (!identity) throw new CaError(404, "not_found", `identity ${spiffeId} does not exist`);
  return identity;
}

/** Revokes an identity (once): issuance stops now, and the bundle's sequence moves to list it. */
export function revokeIdentity(store: CaStore, trustDomain: string, namespace: string, serviceAccount: string): IdentityInfo {
  const identity = requireIdentity(store, trustDomain, namespace, serviceAccount);
  if (!identity.revoked_at) {
    store.revokeIdentity(identity.spiffe_id, Date.now());
    store.bumpSequence();
  }
  return identityInfo({ ...identity, ...store.identity(identity.spiffe_id)!, active_tokens: 0 });
}

/** Another join token for an existing identity; 409 if it is revoked. */
export async function createJoinToken(store: CaStore, trustDomain: string, namespace: string, serviceAccount: string, input: JoinTokenRequest): Promise<JoinTokenResult> {
  const identity = requireIdentity(store, trustDomain, namespace, serviceAccount);
  if (identity.revoked_at) throw new CaError(409, "identity_revoked", `identity ${identity.spiffe_id} is revoked`);
  return { spiffeId: identity.spiffe_id, ...(await issueJoinToken(store, identity.spiffe_id, input)) };
}

/** An identity row as the API shows it. */
export function identityInfo(row: IdentityListRow): IdentityInfo {
  return {
    spiffeId: row.spiffe_id,
    namespace: row.namespace,
    serviceAccount: row.service_account,
    createdAt: iso(row.created_at),
    revokedAt: row.revoked_at ? iso(row.revoked_at) : null,
    attestation: row.attestation,
    activeJoinTokens: row.revoked_at ? 0 : row.active_tokens,
    lastIssuedAt: row.last_issued_at ? iso(row.last_issued_at) : null,
  };
}

async function issueJoinToken(store: CaStore, spiffeId: string, options: JoinTokenRequest): Promise<Omit<JoinTokenResult, "spiffeId">> {
  const joinToken = newJoinToken();
  const now = Date.now();
  const expiresAt = options.ttlSeconds ? now + options.ttlSeconds * 1000 : null;
  store.insertJoinToken({ hash: await hashJoinToken(joinToken), spiffe_id: spiffeId, created_at: now, expires_at: expiresAt, single_use: options.singleUse ? 1 : 0, used_at: null });
  return { joinToken, expiresAt: expiresAt ? iso(expiresAt) : null, singleUse: !!options.singleUse };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
