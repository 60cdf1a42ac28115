// Per-pair sessions (bearer mode, service-binding endpoints): once a caller isolate and a
// callee isolate share a pair key K (key-agreement.ts), both derive from it
//   session id = HMAC_K("isthmus-session/v1", "id"), first 16 bytes
//   caller tag = HMAC_K("isthmus-session/v1", "caller")
//   callee tag = HMAC_K("isthmus-session/v1", "callee")
// and later requests carry `<session id>.<caller tag>` instead of the SVID, attestation and
// nonce; the callee answers with its tag instead of its SVID, attestation and answer MAC.
// Checking a session is a Map lookup, a constant-time string compare, an expiry and a
// revocation check: no JWT, no WebCrypto, no await. Only holders of K can compute the tags.
import { BoundedMap } from "../bounded-map.ts";
import { macOf } from "./key-agreement.ts";

const LABEL = "isthmus-session/v1";

/** What both ends derive from one pair key. */
export interface SessionTags {
  id: string;
  /** Sent by the caller on every request of the session. */
  callerTag: string;
  /** Sent back by the callee on every answer. */
  calleeTag: string;
}

/** A session as either end keeps it: the tags, whom it is between, and until when. */
export interface PeerSession extends SessionTags {
  /** The caller's SPIFFE ID, as its verified JWT-SVID named it. */
  caller: string;
  /** The callee's SPIFFE ID. */
  callee: string;
  /** The earlier expiry of the two JWT-SVIDs the session was made from (ms since the epoch). */
  expiresAtMs: number;
}

/** Why a session header is refused: 401 `unauthenticated` with this reason. */
export type SessionFailure = "session_malformed" | "session_unknown" | "session_mismatch" | "session_expired" | "revoked";

export class SessionError extends Error {
  constructor(
    readonly code: SessionFailure,
    message: string,
  ) {
    super(message);
    this.name = "SessionError";
  }
}

// Derived once per pair key; the pair key cache is bounded, so this map is too.
const derived = new WeakMap<CryptoKey, Promise<SessionTags>>();

/** The session id and tags of pair key `key`, derived once per key. */
export function sessionTags(key: CryptoKey): Promise<SessionTags> {
  let tags = derived.get(key);
  if (!tags) {
    tags = Promise.all([macOf(key, [LABEL, "id"]), macOf(key, [LABEL, "caller"]), macOf(key, [LABEL, "callee"])]).then(([id, callerTag, calleeTag]) => ({
      // 128 bits name a session; the tags stay whole.
      id: id.slice(0, 22),
      callerTag,
      calleeTag,
    }));
    derived.set(key, tags);
  }
  return tags;
}

/** The request header's value: `<session id>.<caller tag>`. */
export function sessionHeaderValue(session: SessionTags): string {
  return `${session.id}.${session.callerTag}`;
}

/**
 * Whether two tags are equal, in time that depends on their length only (a tag's length is
 * public: every tag is 43 characters).
 */
export function tagsEqual(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < given.length; i++) difference |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
}

// A header longer than an id, a dot and a tag is not one.
const MAX_HEADER_LENGTH = 128;

/**
 * The sessions a callee isolate has opened, by id, at most `capacity` (the oldest forgotten
 * first: a forgotten session costs its caller one full exchange, nothing more).
 */
export class SessionTable<S extends PeerSession = PeerSession> {
  private readonly sessions: BoundedMap<string, S>;

  constructor(capacity = 1000) {
    this.sessions = new BoundedMap(capacity);
  }

  /** Opens `session`, or renews it (a later exchange over the same pair key brings later SVIDs). */
  open(session: S): void {
    this.sessions.set(session.id, session);
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * The session `header` (`<id>.<caller tag>`) names, if it is open in this isolate for
   * callee `self`, the tag matches, it has not expired and its caller is not revoked.
   * Throws SessionError with the reason; an expired session is forgotten.
   */
  check(header: string, self: string, isRevoked: (spiffeId: string) => boolean, nowMs = Date.now()): S {
    const dot = header.indexOf(".");
    if (dot <= 0 || header.length > MAX_HEADER_LENGTH) throw new SessionError("session_malformed", "session header is not <id>.<tag>");
    const session = this.sessions.get(header.slice(0, dot));
    if (!session || session.callee !== self) throw new SessionError("session_unknown", "this isolate holds no such session; make the full exchange");
    if (!tagsEqual(header.slice(dot + 1), session.callerTag)) throw new SessionError("session_mismatch", "session tag does not match");
    if (nowMs >= session.expiresAtMs) {
      this.sessions.delete(session.id);
      throw new SessionError("session_expired", "session outlived the JWT-SVIDs it was made from; make the full exchange");
    }
    if (isRevoked(session.caller)) throw new SessionError("revoked", `identity ${session.caller} is revoked`);
    return session;
  }
}

