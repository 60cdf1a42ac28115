import { JwtSvidError } from "../../identity/jwt-svid.ts";
import type { MeshEndpoint } from "../config/compiled.ts";
import type { OutboundCall, OutboundHandler, OutboundLayer } from "../outbound/call.ts";
import { editUpstreamHeaders } from "../outbound/upstream-request.ts";
import { mutableResponse } from "../mutable-response.ts";
import { requestUrl } from "../request-url.ts";
import { MESH_ERROR_HEADER } from "../traffic/mesh-error.ts";
import {
  CREDENTIAL_HEADERS,
  KEY_HEADER,
  NONCE_HEADER,
  PEER_KEY_HEADER,
  PEER_PROOF_HEADER,
  PEER_SESSION_HEADER,
  PEER_SVID_HEADER,
  PROOF_HEADER,
  SESSION_HEADER,
  SVID_HEADER,
} from "./credential-headers.ts";
import { destinationIdentity } from "./destination-identity.ts";
import { IdentityUnavailableMeshError, PeerIdentityMismatchError } from "./errors.ts";
import { recordSecurityEvent } from "./events.ts";
import type { SecurityState } from "./security-state.ts";
import { pairKey, verifyAttestation } from "./key-agreement.ts";
import { IdentityUnavailableError, identityPeer, type IdentityPeer } from "./mesh-peer.ts";
import { checkMacResponseProof, isMacProof, macRequestProof, type HeldPairKey } from "./pair-proofs.ts";
import { peerPolicy } from "./peer-authentication.ts";
import { arrivalHost, boundPath, proofRequest } from "./proof-request.ts";
import { checkResponseProof, requestProof } from "./proofs.ts";
import { sessionHeaderValue, sessionTags, tagsEqual, type PeerSession } from "./session.ts";
import { TrustBundleUnavailableError } from "./trust.ts";
import { ProofError } from "./workload-key.ts";

/**
 * Outbound stack, identity slot (per attempt, endpoint known). For an endpoint inside the
 * mesh whose policy is not DISABLE, it sends this workload's JWT-SVID for the endpoint's
 * SPIFFE ID, its key attestation, a fresh nonce, and — in proof-of-possession mode — a
 * request proof (a MAC with the pair key once one is shared with the callee, else signed);
 * then it checks the answer: the callee's JWT-SVID (audience = this workload) must name the
 * identity meant, and its answer proof must be bound to this request and made by that
 * identity: a MAC with the pair key derived from the callee's attestation, signed by the key
 * the SVID confirms, or signed by that key itself. Anything else fails the request: 502
 * `peer_identity_mismatch` (UPE) with the reason. An unproven answer is never relayed, not
 * even one that poses as the mesh's refusal (status >= 400 with `x-isthmus-error`): it
 * becomes 502 `answer_unauthenticated`, its claimed status and code in the message only.
 *
 * In bearer mode, to a service-binding endpoint, a MAC answer also opens a session
 * (session.ts): later requests without a body carry only the session header and the answer
 * only the callee's tag, checked without an await. A callee isolate that does not hold the
 * session refuses it and the request is sent again with the full exchange. A request with a
 * body cannot be sent twice, so it carries the full credentials beside the session header.
 * The credentials go on the upstream request as header edits, applied once at dispatch.
 */
export const outboundIdentity: OutboundLayer = (request, call, next) => {
  const service = call.destination?.service;
  const endpoint = call.endpoint;
  if (!service || !endpoint) return next(request, call);
  const destination = destinationIdentity(call.mesh, service, endpoint);
  const port = call.destination?.port ?? portOf(request);
  const policy = peerPolicy(call.mesh, destination, port);
  if (!destination.internal || policy.mode === "DISABLE") return next(request, call);

  let peer;
  try {
    peer = identityPeer(call.env);
  } catch (error) {
    if (error instanceof IdentityUnavailableError) return Promise.reject(new IdentityUnavailableMeshError(error.code, error.message));
    throw error;
  }
  const revoked = call.mesh.snapshot.revokedIdentities;
  // Sessions only where no network lies between the Workers: a service binding (worker://,
  // dispatch://), never an http(s) origin; and only in bearer mode.
  const sessionKey = !policy.proofOfPossession && isBinding(endpoint.address) ? `${destination.spiffeId} ${endpoint.key}` : undefined;
  const session = sessionKey === undefined ? undefined : liveSession(call, sessionKey, peer);
  const exchange: Exchange = { request, call, next, policy, peer, revoked, endpoint, spiffeId: destination.spiffeId, sessionKey, session };
  if (!session || request.body !== null) return fullExchange(exchange);
  // The session path: no await of its own, the answer checked when it comes.
  const edits = editUpstreamHeaders(call);
  edits.remove.push(...CREDENTIAL_HEADERS);
  edits.set.push([SESSION_HEADER, sessionHeaderValue(session)]);
  return next(request, call).then((response) => {
    const tag = response.headers.get(PEER_SESSION_HEADER);
    if (tag !== null) return sessionAnswer(call, response, tag, session, sessionKey!);
    return afterSessionRefused(response, exchange);
  });
};

/** What one request's exchange with the callee works from. */
interface Exchange {
  request: Request;
  call: OutboundCall;
  next: OutboundHandler;
  policy: ReturnType<typeof peerPolicy>;
  peer: IdentityPeer;
  revoked: readonly string[];
  endpoint: MeshEndpoint;
  spiffeId: string;
  sessionKey: string | undefined;
  session: PeerSession | undefined;
}

/** The session was not answered: a callee isolate that does not hold it refused it; anything else proves nothing. */
async function afterSessionRefused(response: Response, exchange: Exchange): Promise<Response> {
  if (!(await refusedFor(response, SESSION_RETRY_REASONS))) return unproven(exchange.call.isolate.security, response, exchange.endpoint.address, exchange.spiffeId);
  // The callee isolate does not hold this session (another or a restarted isolate, or it expired there): make the full exchange.
  exchange.call.isolate.security.heldSessions.delete(exchange.sessionKey!);
  await response.body?.cancel();
  return fullExchange(exchange);
}

/** JWT-SVIDs, attestations and proofs both ways; a MAC answer opens the pair key and, in bearer mode, a session. */
async function fullExchange({ request, call, next, policy, peer, revoked, endpoint, spiffeId, sessionKey, session }: Exchange): Promise<Response> {
  const { credentials, trust, pairs, heldSessions, peerKeys } = call.isolate.security;
  let svid;
  try {
    svid = await credentials.svidFor(spiffeId, peer, call.waitUntil);
  } catch (error) {
    throw new IdentityUnavailableMeshError("svid_unavailable", `no JWT-SVID for ${spiffeId}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const own = await credentials.agreementKey();
  // Per endpoint: the isolates behind two endpoints of one identity (v1, v2) hold different keys.
  const pairId = `${svid.spiffeId} ${spiffeId} ${endpoint.key}`;
  // A MAC proof can only be resent when the request has no body to replay.
  const held = policy.proofOfPossession && request.body === null ? pairs.get(pairId) : undefined;
  // What the request proof binds, as the callee will see the request.
  const parts = policy.proofOfPossession ? await proofRequest(request, { host: arrivalHost(endpoint.address), bodyDigest: policy.bodyDigest }) : undefined;
  // Only a request with a body still holds a session here: it rides beside the full credentials.
  const alongside = session && request.body !== null ? session : undefined;
  const send = async (pair: HeldPairKey | undefined) => {
    const nonce = crypto.randomUUID();
    const edits = editUpstreamHeaders(call);
    edits.remove.push(...CREDENTIAL_HEADERS);
    edits.set.push([SVID_HEADER, svid.token], [KEY_HEADER, own.attestation], [NONCE_HEADER, nonce]);
    if (alongside) edits.set.push([SESSION_HEADER, sessionHeaderValue(alongside)]);
    if (parts) {
      edits.set.push([PROOF_HEADER, pair ? await macRequestProof(pair, parts, svid.jti) : await requestProof(await credentials.workloadKey(), parts, svid.token)]);
    }
    return { nonce, response: await next(request, call) };
  };
  let { nonce, response } = await send(held);
  if (held && (await refusedFor(response, ["proof_pair_unknown"]))) {
    // The callee isolate does not hold this pair key (another or a restarted isolate): prove with a signature once more.
    pairs.delete(pairId);
    await response.body?.cancel();
    ({ nonce, response } = await send(undefined));
  }

  const sessionTag = alongside ? response.headers.get(PEER_SESSION_HEADER) : null;
  if (sessionTag !== null) return sessionAnswer(call, response, sessionTag, alongside!, sessionKey!);
  const answerSvid = response.headers.get(PEER_SVID_HEADER);
  const answerProof = response.headers.get(PEER_PROOF_HEADER);
  if (!answerSvid || !answerProof) return unproven(call.isolate.security, response, endpoint.address, spiffeId);
  let verifier;
  try {
    verifier = await trust.verifierFor(call.mesh.snapshot.trustDomain, peer, revoked, call.waitUntil);
  } catch (error) {
    if (error instanceof TrustBundleUnavailableError) throw new IdentityUnavailableMeshError(error.code, error.message);
    throw error;
  }
  try {
    const answer = await verifier.verify(answerSvid, svid.spiffeId);
    if (answer.spiffeId !== spiffeId) {
      throw new PeerIdentityMismatchError("wrong_peer", `${endpoint.address} answered as ${answer.spiffeId}, not ${spiffeId}`);
    }
    if (!answer.keyThumbprint) throw new PeerIdentityMismatchError("answer_unbound", "the callee's JWT-SVID confirms no key (cnf.jkt)");
    const binding = { jti: svid.jti, method: request.method, path: boundPath(request.url), nonce };
    if (isMacProof(answerProof)) {
      const attestation = response.headers.get(PEER_KEY_HEADER);
      if (!attestation) throw new PeerIdentityMismatchError("answer_attestation_missing", `the callee's MAC answer comes without its key attestation (${PEER_KEY_HEADER})`);
      const calleeKey = await verifyAttestation(attestation, answer.keyThumbprint, peerKeys);
      const key = await pairKey(own, calleeKey, { caller: svid.spiffeId, callee: answer.spiffeId }, "caller", peerKeys);
      await checkMacResponseProof(answerProof, binding, key);
      if (pairs.get(pairId)?.calleeKid !== calleeKey.kid) pairs.set(pairId, { key, calleeKid: calleeKey.kid });
      if (sessionKey !== undefined) {
        // The callee opened the same session before answering; the earlier SVID expiry ends it.
        const expiresAtMs = Math.min(svid.expiresAtMs, answer.expiresAt * 1000);
        heldSessions.set(sessionKey, { ...(await sessionTags(key)), caller: svid.spiffeId, callee: answer.spiffeId, expiresAtMs });
      }
    } else {
      await checkResponseProof(answerProof, binding, answer.keyThumbprint, peerKeys);
    }
  } catch (error) {
    await response.body?.cancel();
    if (error instanceof JwtSvidError) throw new PeerIdentityMismatchError(`answer_${error.code}`, `the callee's JWT-SVID was refused: ${error.message}`);
    if (error instanceof ProofError) throw new PeerIdentityMismatchError(`answer_${error.code}`, `the callee's answer proof was refused: ${error.message}`);
    throw error;
  }
  return withoutAnswerHeaders(response);
}

// A session is not used in its last seconds, so it cannot expire in flight.
const SESSION_MARGIN_MS = 5_000;

// Refusals after which a request without a body is sent again with the full exchange.
const SESSION_RETRY_REASONS = ["session_unknown", "session_expired", "session_mismatch", "session_malformed"];

/**
 * The session this isolate holds for `key` (`callee endpoint`: the isolate has one identity),
 * if it has time left; keeps this isolate's SVID renewed meanwhile.
 */
function liveSession(call: OutboundCall, key: string, peer: IdentityPeer): PeerSession | undefined {
  const { heldSessions, credentials } = call.isolate.security;
  const session = heldSessions.get(key);
  if (!session) return undefined;
  if (session.expiresAtMs - SESSION_MARGIN_MS <= Date.now()) {
    heldSessions.delete(key);
    return undefined;
  }
  // Renewed at half life as on the full path, so the exchange after this session finds a fresh SVID.
  credentials.current(session.callee, peer, call.waitUntil);
  return session;
}

/**
 * A session answer: the callee's tag must be the one this side derived, and the callee not
 * revoked since; otherwise the session is dropped and the request fails 502.
 */
function sessionAnswer(call: OutboundCall, response: Response, tag: string, session: PeerSession, key: string): Response | Promise<never> {
  const { heldSessions, trust } = call.isolate.security;
  const revoked = call.mesh.snapshot.revokedIdentities;
  let failure: PeerIdentityMismatchError | undefined;
  if (!tagsEqual(tag, session.calleeTag)) failure = new PeerIdentityMismatchError("answer_session_mismatch", `the callee's session tag does not prove ${session.callee}`);
  else if (trust.isRevoked(session.callee, revoked)) failure = new PeerIdentityMismatchError("answer_revoked", `identity ${session.callee} is revoked`);
  if (!failure) return withoutAnswerHeaders(response);
  heldSessions.delete(key);
  return dropped(response, failure);
}

/** Fails the request with `failure` once the answer's body is let go. */
async function dropped(response: Response, failure: Error): Promise<never> {
  await response.body?.cancel();
  throw failure;
}

/**
 * The verified answer without the callee's answer headers, which the client never sees: in
 * the hop's one writable copy (mutableResponse), which the caller's later writers (stamp,
 * CORS, header rules) reuse.
 */
function withoutAnswerHeaders(response: Response): Response {
  const verified = mutableResponse(response);
  for (const name of ANSWER_HEADERS) verified.headers.delete(name);
  return verified;
}

const ANSWER_HEADERS = [PEER_SVID_HEADER, PEER_PROOF_HEADER, PEER_KEY_HEADER, PEER_SESSION_HEADER];

/** An answer that proves nothing: never relayed (502 `answer_unauthenticated` or `answer_missing`). */
async function unproven(security: SecurityState, response: Response, address: string, spiffeId: string): Promise<never> {
  await response.body?.cancel();
  const refusal = unprovenRefusal(response);
  if (refusal) throw unauthenticatedAnswer(security, address, spiffeId, refusal);
  throw new PeerIdentityMismatchError("answer_missing", `${address} answered without proving ${spiffeId}`);
}

/** Whether an endpoint is reached over a service binding, where no network lies between the Workers. */
function isBinding(address: string): boolean {
  return address.startsWith("worker://") || address.startsWith("dispatch://");
}

/**
 * What an unproven answer claims to be: the mesh's own refusal (status >= 400 with
 * `x-isthmus-error`), its status and code; the code only if it is a plain reason token, so
 * nothing the answer chose beyond that reaches the caller's client.
 */
function unprovenRefusal(response: Response): { status: number; code?: string } | undefined {
  const code = response.headers.get(MESH_ERROR_HEADER);
  if (response.status < 400 || code === null) return undefined;
  return { status: response.status, code: /^[a-z0-9_]{1,64}$/.test(code) ? code : undefined };
}

/**
 * A refusal the callee could not or did not prove (a meshed callee that refused before it
 * authenticated the caller, or anything posing as one): the caller answers with its own 502
 * instead, so no header, cookie or body of an unauthenticated answer reaches the client.
 * The claimed status and code stay in the message and the log, for debugging.
 */
function unauthenticatedAnswer(security: SecurityState, address: string, spiffeId: string, refusal: { status: number; code?: string }): PeerIdentityMismatchError {
  const claimed = `${refusal.status}${refusal.code ? ` ${refusal.code}` : ""}`;
  const detail = `${address} refused the request (${claimed}) without proving ${spiffeId}; its answer is not relayed`;
  recordSecurityEvent(security, { event: "answer_refused", destination: spiffeId, reason: "answer_unauthenticated", detail });
  return new PeerIdentityMismatchError("answer_unauthenticated", detail);
}

/** Whether the callee refused the request (401) for one of `reasons`: what its isolate does not hold. */
async function refusedFor(response: Response, reasons: readonly string[]): Promise<boolean> {
  if (response.status !== 401 || response.headers.get(MESH_ERROR_HEADER) !== "unauthenticated") return false;
  const body = (await response.clone().json().catch(() => null)) as { error?: { reason?: unknown } } | null;
  return reasons.includes(body?.error?.reason as string);
}

function portOf(request: Request): number | undefined {
  const { port } = requestUrl(request);
  return port ? Number(port) : undefined;
}
