import { JwtSvidError } from "../../identity/jwt-svid.ts";
import { parseSpiffeId } from "../../identity/spiffe-id.ts";
import type { InboundCall, InboundHandler, InboundLayer, Peer } from "../inbound/call.ts";
import { editHandlerHeaders } from "../inbound/handler-request.ts";
import { meshBuilt, mutableResponse } from "../mutable-response.ts";
import { requestUrl } from "../request-url.ts";
import { MeshError, UnauthenticatedError } from "../traffic/mesh-error.ts";
import {
  CREDENTIAL_HEADERS,
  KEY_HEADER,
  MAX_CREDENTIAL_LENGTH,
  NONCE_HEADER,
  PEER_KEY_HEADER,
  PEER_PROOF_HEADER,
  PEER_SESSION_HEADER,
  PEER_SVID_HEADER,
  PROOF_HEADER,
  SESSION_HEADER,
  SVID_HEADER,
  NOT_FOR_SERVICE,
  bringsCredentials,
} from "./credential-headers.ts";
import { IdentityUnavailableMeshError } from "./errors.ts";
import { recordSecurityEvent } from "./events.ts";
import { pairKey, verifyAttestation } from "./key-agreement.ts";
import { IdentityUnavailableError, identityPeer, workloadSpiffeId } from "./mesh-peer.ts";
import { checkMacRequestProof, isMacProof, macResponseProof } from "./pair-proofs.ts";
import { peerPolicy } from "./peer-authentication.ts";
import { boundPath, proofRequest } from "./proof-request.ts";
import { checkRequestProof, responseProof } from "./proofs.ts";
import { SessionError, sessionTags, type PeerSession } from "./session.ts";
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
 *
 * In bearer mode that exchange also opens a session (session.ts) over the pair key; a
 * request that names it (`x-isthmus-session`) is authenticated by a Map look-up and a tag
 * compare and answered with this side's tag (`x-isthmus-peer-session`), without an await.
 * A session this isolate does not hold is refused (`session_unknown`, ...) unless the full
 * credentials came beside it (a request with a body), which then decide.
 */
export const authenticatePeer: InboundLayer = (request, call, next) => {
  const url = requestUrl(request);
  const policy = peerPolicy(call.mesh, call.workload, url.port ? Number(url.port) : undefined);
  const svid = request.headers.get(SVID_HEADER);
  // Sessions are bearer mode's: in proof-of-possession mode every request proves itself.
  const sessionHeader = policy.mode === "DISABLE" || policy.proofOfPossession ? null : request.headers.get(SESSION_HEADER);
  if (policy.mode === "DISABLE" || (policy.mode === "PERMISSIVE" && svid === null && sessionHeader === null)) {
    call.securityPolicy = "none";
    if (bringsCredentials(request)) withoutCredentials(call);
    return next(request, call);
  }
  if (sessionHeader !== null) {
    const self = selfOf(call);
    const session = sessionFor(call, sessionHeader, self);
    if (!(session instanceof SessionError)) {
      call.peer = { ...call.peer, ...session.peer };
      call.securityPolicy = "mutual_tls";
      withoutCredentials(call);
      return answered(next, request, call, [[PEER_SESSION_HEADER, session.calleeTag]]);
    }
    // With the full credentials beside it (a request with a body), the exchange decides.
    if (svid === null) return refused(call, session.code, session.message);
  }
  if (svid === null) return refused(call, "no_identity", `${policy.mode} peer authentication requires a JWT-SVID in ${SVID_HEADER}`);
  return fullExchange(request, call, next, policy, svid);
};

/** The caller's JWT-SVID, attestation and proofs: verified, then answered in kind (and a session opened in bearer mode). */
async function fullExchange(request: Request, call: InboundCall, next: InboundHandler, policy: ReturnType<typeof peerPolicy>, svid: string): Promise<Response> {
  const refuse = (reason: string, detail: string): never => {
    throw refusal(call, reason, detail);
  };
  const snapshot = call.mesh.snapshot;
  const { credentials, trust, acceptedSessions } = call.isolate.security;
  const self = selfOf(call);
  for (const name of CREDENTIAL_HEADERS) {
    if ((request.headers.get(name)?.length ?? 0) > MAX_CREDENTIAL_LENGTH) return refuse("oversized_credential", `${name} is longer than ${MAX_CREDENTIAL_LENGTH} bytes`);
  }

  const peer = mustHave(() => identityPeer(call.env));
  const verifier = await mustHave(() => trust.verifierFor(snapshot.trustDomain, peer, snapshot.revokedIdentities, call.waitUntil));
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
  const callerKey = attestation === null ? undefined : await verifyAttestation(attestation, verified.keyThumbprint ?? "", call.isolate.security.peerKeys).catch(refuseProof);
  const caller = verified.spiffeId;
  const pair = callerKey && (async () => pairKey(await credentials.agreementKey(), callerKey, { caller, callee: self }, "callee", call.isolate.security.peerKeys));
  if (policy.proofOfPossession) {
    const proof = request.headers.get(PROOF_HEADER);
    if (!proof) return refuse("proof_missing", `proof-of-possession is required (${PROOF_HEADER})`);
    if (!verified.keyThumbprint) return refuse("proof_key_mismatch", "the JWT-SVID confirms no key (cnf.jkt)");
    // The request as proven: method, host, path, query, and the body's digest where policy asks.
    const parts = await proofRequest(request, { bodyDigest: policy.bodyDigest });
    if (!isMacProof(proof)) await checkRequestProof(proof, parts, svid, verified.keyThumbprint, Date.now(), call.isolate.security).catch(refuseProof);
    else if (!pair) return refuse("attestation_missing", `a MAC proof needs the caller's key attestation (${KEY_HEADER})`);
    else if (!verified.jti) return refuse("proof_malformed", "a MAC proof needs a JWT-SVID with a jti");
    else await checkMacRequestProof(proof, parts, verified.jti, (await credentials.agreementKey()).kid, pair, Date.now(), call.isolate.security.requestReplays).catch(refuseProof);
  }

  const callerPeer = peerOf(verified.spiffeId);
  call.peer = { ...call.peer, ...callerPeer };
  call.securityPolicy = "mutual_tls";

  withoutCredentials(call);
  const response = await served(next, request, call);
  const nonce = request.headers.get(NONCE_HEADER);
  if (!nonce || nonce.length > 128 || !verified.jti) return response;
  const binding = { jti: verified.jti, method: request.method, path: boundPath(request.url), nonce };
  const [answer, proof, tags] = await Promise.all([
    mustHave(() => credentials.svidFor(caller, peer, call.waitUntil)),
    pair ? pair().then((key) => macResponseProof(key, binding)) : credentials.workloadKey().then((key) => responseProof(key, binding)),
    // Bearer mode: the session later requests of this pair will name (the caller derives the same).
    pair && !policy.proofOfPossession ? pair().then(sessionTags) : undefined,
  ]);
  if (tags) acceptedSessions.open({ ...tags, caller, callee: self, expiresAtMs: Math.min(verified.expiresAt * 1000, answer.expiresAtMs), peer: callerPeer });
  const headers: [string, string][] = [
    [PEER_SVID_HEADER, answer.token],
    [PEER_PROOF_HEADER, proof],
  ];
  if (pair) headers.push([PEER_KEY_HEADER, (await credentials.agreementKey()).attestation]);
  return answerWith(response, headers);
}

/** This workload's SPIFFE ID, the audience its callers' credentials must name. */
function selfOf(call: InboundCall): string {
  return workloadSpiffeId(call.mesh.snapshot.trustDomain, call.workload.namespace, call.workload.serviceAccount);
}

/** The 401 for `reason`, recorded as a security event. */
function refusal(call: InboundCall, reason: string, detail: string): UnauthenticatedError {
  recordSecurityEvent(call.isolate.security, { event: "authn_failure", workload: `${call.workload.namespace}/${call.workload.service}`, reason, detail });
  return new UnauthenticatedError(reason, `unauthenticated (${reason}): ${detail}`);
}

function refused(call: InboundCall, reason: string, detail: string): Promise<never> {
  return Promise.reject(refusal(call, reason, detail));
}

/** The handler never sees the credentials (nor a forged peer header): removed in the one copy it gets (handler-request.ts). */
function withoutCredentials(call: InboundCall): void {
  editHandlerHeaders(call).remove.push(...NOT_FOR_SERVICE);
}

/** A session as this isolate holds it as the callee: with the caller as `call.peer` shows it. */
export interface AcceptedSession extends PeerSession {
  peer: Peer;
}

/** The session `header` names among those this isolate opened, or why it does not authenticate the request. */
function sessionFor(call: InboundCall, header: string, self: string): AcceptedSession | SessionError {
  const { acceptedSessions, trust } = call.isolate.security;
  const revoked = call.mesh.snapshot.revokedIdentities;
  try {
    return acceptedSessions.check(header, self, (spiffeId) => trust.isRevoked(spiffeId, revoked));
  } catch (error) {
    if (error instanceof SessionError) return error;
    throw error;
  }
}

/** The verified caller as `call.peer` shows it. */
function peerOf(spiffeId: string): Peer {
  const segments = parseSpiffeId(spiffeId).path.split("/");
  return {
    principal: spiffeId,
    namespace: segments[1] === "ns" ? segments[2] : undefined,
    serviceAccount: segments[3] === "sa" ? segments[4] : undefined,
  };
}

/** The response of the layers within; deeper mesh errors (authorization, rate limit) are answered and proven like any response. */
function served(next: InboundHandler, request: Request, call: InboundCall): Promise<Response> {
  try {
    return next(request, call).catch((error: unknown) => meshErrorAnswer(error, call));
  } catch (error) {
    return Promise.resolve(meshErrorAnswer(error, call));
  }
}

/** The response within, with `headers` on it: one promise for the layers within, no await here. */
function answered(next: InboundHandler, request: Request, call: InboundCall, headers: readonly [string, string][]): Promise<Response> {
  const answer = (response: Response) => answerWith(response, headers);
  try {
    return next(request, call).then(answer, (error: unknown) => answer(meshErrorAnswer(error, call)));
  } catch (error) {
    return Promise.resolve(answer(meshErrorAnswer(error, call)));
  }
}

function meshErrorAnswer(error: unknown, call: InboundCall): Response {
  if (!(error instanceof MeshError)) throw error;
  call.flags.push(...error.flags);
  return meshBuilt(error.toResponse());
}

/**
 * `response` with the answer headers, in the hop's one writable response (mutableResponse):
 * the handler's own when it may be written, else one copy (one from fetch), which stamping
 * then reuses.
 */
function answerWith(response: Response, headers: readonly [string, string][]): Response {
  const answered = mutableResponse(response);
  for (const [name, value] of headers) answered.headers.set(name, value);
  return answered;
}

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
