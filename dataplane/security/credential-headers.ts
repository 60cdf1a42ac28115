// The headers of the mesh's mutual authentication. All start with `x-isthmus-`, so the
// gateway's strip layer removes any a client outside the mesh brings.

/** The caller's JWT-SVID, audience = the callee's SPIFFE ID. */
export const SVID_HEADER = "x-isthmus-svid";
/** Proof-of-possession mode: a DPoP-style proof, a MAC with the pair key or signed by the caller's workload key. */
export const PROOF_HEADER = "x-isthmus-proof";
/** The caller's key attestation (its ECDH public key signed by its workload key). */
export const KEY_HEADER = "x-isthmus-key";
/** A fresh value per request that the callee's answer is bound to. */
export const NONCE_HEADER = "x-isthmus-nonce";
/** A session's request credential, `<session id>.<caller tag>` (session.ts), instead of the four above. */
export const SESSION_HEADER = "x-isthmus-session";
/** On the response: the callee's session tag, instead of its JWT-SVID, attestation and proof. */
export const PEER_SESSION_HEADER = "x-isthmus-peer-session";
/** On the response: the callee's JWT-SVID, audience = the caller's SPIFFE ID. */
export const PEER_SVID_HEADER = "x-isthmus-peer-svid";
/** On the response: the callee's proof over the request, a MAC with the pair key or signed by its workload key. */
export const PEER_PROOF_HEADER = "x-isthmus-peer-proof";
/** On the response: the callee's key attestation, with which the caller derives the pair key. */
export const PEER_KEY_HEADER = "x-isthmus-peer-key";
/** From the standalone sidecar to the service behind it: the verified caller (SPIFFE ID). */
export const PEER_HEADER = "x-isthmus-peer";

/** Request headers that carry credentials; never shown to service code. */
export const CREDENTIAL_HEADERS = [SVID_HEADER, PROOF_HEADER, NONCE_HEADER, KEY_HEADER, SESSION_HEADER] as const;

/** A credential header longer than this is refused before any parsing (bytes). */
export const MAX_CREDENTIAL_LENGTH = 8192;

/** Request headers the service behind this hop never sees: the credentials and any forged peer header. */
export const NOT_FOR_SERVICE: readonly string[] = [...CREDENTIAL_HEADERS, PEER_HEADER];

/** Whether the request brings any header the service must not see (removed before the handler, handler-request.ts). */
export function bringsCredentials(request: Request): boolean {
  return NOT_FOR_SERVICE.some((name) => request.headers.has(name));
}
