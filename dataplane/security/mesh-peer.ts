import type { MeshPeerApi } from "../../contracts/mesh-peer.ts";

/** What the security layers ask of the control plane's MeshPeer entrypoint (env.ISTHMUS_CONTROL). */
export type IdentityPeer = Pick<MeshPeerApi, "jwtSvid" | "trustBundle">;

/** The env binding the security layers reach the CA through. */
export interface SecurityEnv {
  ISTHMUS_CONTROL?: Partial<IdentityPeer>;
}

/** Raised when a data-plane Worker has no binding to ask for identity. */
export class IdentityUnavailableError extends Error {
  readonly code = "identity_unavailable";
  constructor(message: string) {
    super(message);
    this.name = "IdentityUnavailableError";
  }
}

// Checked bindings by env: reading a member of an RPC stub costs a crossing into the runtime.
const checked = new WeakMap<object, IdentityPeer>();

/** The MeshPeer binding, or IdentityUnavailableError when the Worker has none. */
export function identityPeer(env: Record<string, unknown>): IdentityPeer {
  const known = checked.get(env);
  if (known && known === env.ISTHMUS_CONTROL) return known;
  const peer = (env as SecurityEnv).ISTHMUS_CONTROL;
  if (!peer || typeof peer.jwtSvid !== "function" || typeof peer.trustBundle !== "function") {
    throw new IdentityUnavailableError("bind ISTHMUS_CONTROL to the control plane's MeshPeer entrypoint to take part in mutual authentication");
  }
  checked.set(env, peer as IdentityPeer);
  return peer as IdentityPeer;
}

/** `spiffe://<td>/ns/<namespace>/sa/<serviceAccount>`. */
export function workloadSpiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}
