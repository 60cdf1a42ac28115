import { JwtSvidError } from "../../identity/jwt-svid.ts";
import { parseSpiffeId } from "../../identity/spiffe-id.ts";
import type { InboundLayer } from "../inbound/call.ts";
import { MeshError, UnauthenticatedError } from "../traffic/mesh-error.ts";
import {
  CREDENTIAL_HEADERS,
  KEY_HEADER,
  MAX_CREDENTIAL_LENGTH,
  NONCE_HEADER,
  PEER_KEY_HEADER,
  PEER_PROOF_HEADER,
  PEER_SVID_HEADER,
  PROOF_HEADER,
  SVID_HEADER,
  withoutCredentials,
} from "./credential-headers.ts";
import { IdentityUnavailableMeshError } from "./errors.ts";
import { recordSecurityEvent } from "./events.ts";
import { meshTrust, ownCredentials } from "./isolate.ts";
import { pairKey, verifyAttestation } from "./key-agreement.ts";
import { IdentityUnavailableError, identityPeer, workloadSpiffeId } from "./mesh-peer.ts";
import { checkMacRequestProof, isMacProof, macResponseProof } from "./pair-proofs.ts";
import { peerPolicy } from "./peer-authentication.ts";
import { boundPath, checkRequestProof, responseProof } from "./proofs.ts";
import { TrustBundleUnavailableError } from "./trust.ts";
import { ProofError } from "./workload-key.ts";

/**
 * Inbound stack, authenticate slot: the workload's PeerAuthentication decides.
 * - STRICT: the caller's JWT-SVID must verify (trust bundle, audience = this workload's
 *   SPIFFE ID, not revoked; in proof-of-possession mode a fresh, unreplayed request proof
 *   by the key its `cnf.jkt` names); otherwise 401 with the reason, the handler never runs.
 * - PERMISSIVE: a request without an SVID passes as `connection_security_policy="none"`;
 *   one that brings an SVID must still verify (as an Istio sidecar in PERMISSIVE mode fails
 *   a TLS handshake with a bad certificate rather than downgrading it).
 * - DISABLE: identities are neither checked nor answered.
 * A verified caller lands in `call.peer`; the answer (this workload's JWT-SVID for the
 * caller, its key attestation, and a proof bound to the request: a MAC with the pair key
 * when the caller sent its attestation, else signed) goes on the response. Credential
 * headers never reach the service.
 */
export const authenticatePeer: InboundLayer = async (request, call, next) => {
  const url = new URL(request.url);
  const policy = peerPolicy(call.mesh, call.workload, url.port ? Number(url.port) : undefined);
  const svid = request.headers.get(SVID_HEADER);
  if (policy.mode === "DISABLE" || (policy.mode === "PERMISSIVE" && svid === null)) {
    call.securityPolicy = "none";
    return next(withoutCredentials(request), call);
  }
  const refuse = (reason: string, detail: string): never => {
    recordSecurityEvent({ event: "authn_failure", workload: `${call.workload.namespace}/${call.workload.service}`, reason, detail });
    throw new UnauthenticatedError(reason, `unauthenticated (${reason}): ${detail}`);
  };
  if (svid === null) return refuse("no_identity", `${policy.mode} peer authentication requires a JWT-SVID in ${SVID_HEADER}`);
  for (const name of CREDENTIAL_HEADERS) {
    if ((request.headers.get(name)?.length ?? 0) > MAX_CREDENTIAL_LENGTH) return refuse("oversized_credential", `${name} is longer than ${MAX_CREDENTIAL_LENGTH} bytes`);
  }

  const peer = mustHave(() => identityPeer(call.env));
  const snapshot = call.mesh.snapshot;
  const verifier = await mustHave(() => meshTrust.verifierFor(snapshot.trustDomain, peer, snapshot.revokedIdentities, call.waitUntil));
  const self = workloadSpiffeId(snapshot.trustDomain, call.workload.namespace, call.workload.serviceAccount);
  let verified;
  try {
    verified = await verifier.verify(svid, self);
  } catch (error) {
    if (error instanceof JwtSvidError) return refuse(error.code, error.message);
    throw error;
  }
  const refuseProof = (error: unknown): never => {
    if (error instanceof ProofError) return refuse(error.code, error.message);
    throw error;
  };
  // The caller's attested ECDH key (must be signed by the key its SVID confirms), and the
  // pair key derived from it once per pair of isolates.
  const attestation = request.headers.get(KEY_HEADER);
  const callerKey = attestation === null ? undefined : await verifyAttestation(attestation, verified.keyThumbprint ?? "").catch(refuseProof);
  const caller = verified.spiffeId;
  const pair = callerKey && (async () => pairKey(await ownCredentials.agreementKey(), callerKey, { caller, callee: self }, "callee"));
  if (policy.proofOfPossession) {
    const proof = request.headers.get(PROOF_HEADER);
    if (!proof) return refuse("proof_missing", `proof-of-possession is required (${PROOF_HEADER})`);
    if (!verified.keyThumbprint) return refuse("proof_key_mismatch", "the JWT-SVID confirms no key (cnf.jkt)");
    if (!isMacProof(proof)) await checkRequestProof(proof, request, svid, verified.keyThumbprint).catch(refuseProof);
    else if (!pair) return refuse("attestation_missing", `a MAC proof needs the caller's key attestation (${KEY_HEADER})`);
    else if (!verified.jti) return refuse("proof_malformed", "a MAC proof needs a JWT-SVID with a jti");
    else await checkMacRequestProof(proof, request, verified.jti, (await ownCredentials.agreementKey()).kid, pair).catch(refuseProof);
  }

  const { path } = parseSpiffeId(verified.spiffeId);
  const segments = path.split("/");
  call.peer = {
    ...call.peer,
    principal: verified.spiffeId,
    namespace: segments[1] === "ns" ? segments[2] : undefined,
    serviceAccount: segments[3] === "sa" ? segments[4] : undefined,
  };
  call.securityPolicy = "mutual_tls";

  let response: Response;
  try {
    response = await next(withoutCredentials(request), call);
  } catch (error) {
    // Deeper mesh errors (authorization, rate limit) are answered and proven like any response.
    if (!(error instanceof MeshError)) throw error;
    call.flags.push(...error.flags);
    response = error.toResponse();
  }
  const nonce = request.headers.get(NONCE_HEADER);
  if (!nonce || nonce.length > 128 || !verified.jti) return response;
  const binding = { jti: verified.jti, method: request.method, path: boundPath(request.url), nonce };
  const [answer, proof] = await Promise.all([
    mustHave(() => ownCredentials.svidFor(caller, peer, call.waitUntil)),
    pair ? pair().then((key) => macResponseProof(key, binding)) : ownCredentials.workloadKey().then((key) => responseProof(key, binding)),
  ]);
  const answered = new Response(response.body, response);
  answered.headers.set(PEER_SVID_HEADER, answer.token);
  answered.headers.set(PEER_PROOF_HEADER, proof);
  if (pair) answered.headers.set(PEER_KEY_HEADER, (await ownCredentials.agreementKey()).attestation);
  return answered;
};

/** Runs `get`; a missing binding, bundle or SVID becomes the mesh's 503. */
function mustHave<T>(get: () => T): T {
  const wrap = (error: unknown): never => {
    if (error instanceof IdentityUnavailableError || error instanceof TrustBundleUnavailableError) {
      throw new IdentityUnavailableMeshError(error.code, error.message);
    }
    if (error instanceof MeshError) throw error;
    throw new IdentityUnavailableMeshError("svid_unavailable", error instanceof Error ? error.message : String(error));
  };
  try {
    const value = get();
    return (value instanceof Promise ? value.catch(wrap) : value) as T;
  } catch (error) {
    return wrap(error);
  }
}
