// What an isolate learned about its peers' keys, each worth computing once: a peer proves
// with one workload key for its SVID's life and sends one key attestation for its isolate's.
// Keyed by what callers send, so every map is capped.
import { BoundedMap } from "../bounded-map.ts";
import type { AttestedKey } from "./key-agreement.ts";

/** Cap of each map of peer keys. */
export const PEER_KEYS_LIMIT = 1000;

/** One isolate's caches of peer key material (held in its SecurityState). */
export class PeerKeys {
  /** Imported verification keys, by RFC 7638 thumbprint. */
  readonly imported = new BoundedMap<string, Promise<CryptoKey>>(PEER_KEYS_LIMIT);
  /** Thumbprints, by the key's coordinates (`x.y`). */
  readonly thumbprints = new BoundedMap<string, string>(PEER_KEYS_LIMIT);
  /** Verified key attestations, by value. */
  readonly attestations = new BoundedMap<string, AttestedKey>(PEER_KEYS_LIMIT);
  /** Derived pair keys, by parties and both key ids: one ECDH per pair of isolates. */
  readonly pairKeys = new BoundedMap<string, Promise<CryptoKey>>(PEER_KEYS_LIMIT);
}
