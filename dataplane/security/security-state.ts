// The security state one isolate keeps for its whole life, held by the isolate's state
// (`call.isolate.security`): two runtimes in one process never share credentials, sessions
// or replay caches. Every keyed cache here is capped (peer material must not grow with
// whatever callers send).
import type { AcceptedSession } from "./authenticate-peer.ts";
import { BoundedMap } from "../bounded-map.ts";
import type { SecurityCounters } from "./events.ts";
import { JwksCache } from "./jwks.ts";
import type { HeldPairKey } from "./pair-proofs.ts";
import { PeerKeys } from "./peer-keys.ts";
import { ReplayCache } from "./replay-cache.ts";
import { SessionTable, type PeerSession } from "./session.ts";
import { SvidCache } from "./svid-cache.ts";
import { MeshTrust } from "./trust.ts";

/** Cap of the security layers' caches of peers, sessions and pair keys. */
export const SECURITY_CACHE_LIMIT = 1000;

/** What the security layers of one isolate keep across requests. */
export class SecurityState {
  /** This isolate's workload key, key-agreement key and JWT-SVIDs. */
  readonly credentials = new SvidCache();
  /** This isolate's trust bundle and verifier. */
  readonly trust = new MeshTrust();
  /** Request proofs (signed and MAC) seen by this isolate, each until its window ends. */
  readonly requestReplays = new ReplayCache();
  /** The sessions this isolate opened as a callee, by id. */
  readonly acceptedSessions = new SessionTable<AcceptedSession>(SECURITY_CACHE_LIMIT);
  /** The session held with each callee endpoint (`callee endpoint`), as a caller. */
  readonly heldSessions = new BoundedMap<string, PeerSession>(SECURITY_CACHE_LIMIT);
  /** The pair key last shared with each callee endpoint (`caller callee endpoint`), for MAC request proofs. */
  readonly pairs = new BoundedMap<string, HeldPairKey>(SECURITY_CACHE_LIMIT);
  /** Peers' imported keys, thumbprints, attestations and pair keys. */
  readonly peerKeys = new PeerKeys();
  /** The end-user JWT issuers' key sets, by JWKS URI. */
  readonly jwks = new JwksCache();
  /** Where authentication failures and denials are counted: the isolate's metrics recorder, once telemetry is on. */
  counters: SecurityCounters | undefined;
}
