// The CA side of MeshPeer, the control plane's RPC entrypoint for data-plane Workers: the
// binding's props are the attestation (wrangler config names the workload), so no token.
import type { X509SvidAnswer } from "../../../contracts/mesh-peer.ts";
import type { JwtSvidResult } from "../api";
import type { Result } from "../../../contracts/refusal.ts";
import type { SpiffeBundleDocument } from "../../../identity/trust-bundle";
import type { Env } from "../../env.ts";
import { certificateAuthority } from "./index";

/** The props a data-plane binding to MeshPeer carries. */
export interface PeerProps {
  namespace?: unknown;
  serviceAccount?: unknown;
}

/** An X509-SVID as RPC returns it. */
export type X509SvidResult = X509SvidAnswer;

// Workers RPC keeps only an error's message, so the reason code leads it: "code: message".
function value<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new Error(`${result.refusal.code}: ${result.refusal.message}`);
}

function attestation(props: PeerProps | undefined) {
  if (typeof props?.namespace !== "string" || typeof props?.serviceAccount !== "string") {
    throw new Error("unattested: the service binding to MeshPeer carries no props { namespace, serviceAccount }");
  }
  return { kind: "binding" as const, namespace: props.namespace, serviceAccount: props.serviceAccount };
}

/** A JWT-SVID for the bound workload; `audience` is the callee's SPIFFE ID (or a list). */
export async function peerJwtSvid(env: Env, props: PeerProps | undefined, audience: string | string[], options: { ttlSeconds?: number; publicKey?: JsonWebKey } = {}): Promise<JwtSvidResult> {
  return value(await certificateAuthority(env).issueJwtSvid(attestation(props), { audience, ...options }));
}

/** An X509-SVID chain (PEM, leaf first) for the bound workload's CSR. */
export async function peerX509Svid(env: Env, props: PeerProps | undefined, csrPem: string): Promise<X509SvidResult> {
  return value(await certificateAuthority(env).issueX509Svid(attestation(props), csrPem));
}

/** The current SPIFFE trust bundle document. */
export async function peerTrustBundle(env: Env): Promise<SpiffeBundleDocument> {
  return certificateAuthority(env).trustBundle();
}
