import { JwtSvidVerifier } from "../../identity/jwt-svid.ts";
import { parseTrustBundle } from "../../identity/trust-bundle.ts";
import { SingleFlight } from "../single-flight.ts";
import type { IdentityPeer } from "./mesh-peer.ts";

// A bundle fetch is one RPC: past this it is taken for lost with a torn-down request.
const FLIGHT_ABANDON_MS = 10_000;

/** The trust bundle could not be had at all (cold isolate, control plane unreachable). */
export class TrustBundleUnavailableError extends Error {
  readonly code = "trust_bundle_unavailable";
  constructor(message: string) {
    super(message);
    this.name = "TrustBundleUnavailableError";
  }
}

/**
 * The isolate's JWT-SVID verifier: the trust bundle fetched from the control plane once,
 * then revalidated in waitUntil every refresh interval (the bundle's `spiffe_refresh_hint`,
 * at most `maxRefreshMs`), and refetched on an unknown kid at most every
 * `unknownKidRefreshMs`. Revoked identities come from the bundle and the snapshot.
 */
export class MeshTrust {
  private verifier: JwtSvidVerifier | undefined;
  /** The first load and the background refresh, shared by the requests that arrive meanwhile. */
  private readonly flights: SingleFlight<"load" | "refresh", unknown>;
  private fetchedAt = 0;
  private revokedFrom: readonly string[] | undefined;
  /** The bundle's and a snapshot's revoked identities as one set, rebuilt when either changes. */
  private revokedSet: { bundle: unknown; snapshot: readonly string[]; ids: Set<string> } | undefined;

  constructor(
    private readonly options: { maxRefreshMs?: number; unknownKidRefreshMs?: number; now?: () => number } = {},
  ) {
    this.flights = new SingleFlight(FLIGHT_ABANDON_MS, () => this.now());
  }

  /** The verifier for `trustDomain`, with `revoked` (the snapshot's list) applied. */
  async verifierFor(
    trustDomain: string,
    peer: IdentityPeer,
    revoked: readonly string[],
    waitUntil: (promise: Promise<unknown>) => void,
  ): Promise<JwtSvidVerifier> {
    const verifier = this.verifier && this.verifier.bundle.trustDomain === trustDomain ? this.verifier : await this.load(trustDomain, peer);
    if (this.revokedFrom !== revoked) {
      verifier.setRevokedIdentities(revoked);
      this.revokedFrom = revoked;
    }
    if (this.now() - this.fetchedAt > this.refreshMs(verifier) && !this.flights.has("refresh")) {
      waitUntil(
        this.flights
          .run("refresh", () => this.fetchBundle(trustDomain, peer).then((bundle) => verifier.setBundle(bundle)))
          .catch(() => undefined),
      );
    }
    return verifier;
  }

  /**
   * Whether `spiffeId` is revoked by the loaded trust bundle or by `snapshotRevoked` (the
   * snapshot's list): synchronous, for sessions, which verify no token per request.
   */
  isRevoked(spiffeId: string, snapshotRevoked: readonly string[]): boolean {
    const bundle = this.verifier?.bundle;
    let set = this.revokedSet;
    if (!set || set.bundle !== bundle || set.snapshot !== snapshotRevoked) {
      set = { bundle, snapshot: snapshotRevoked, ids: new Set([...(bundle?.revoked ?? []), ...snapshotRevoked]) };
      this.revokedSet = set;
    }
    return set.ids.has(spiffeId);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private refreshMs(verifier: JwtSvidVerifier): number {
    const hint = verifier.bundle.refreshHintSeconds;
    const max = this.options.maxRefreshMs ?? 60_000;
    return hint ? Math.min(hint * 1000, max) : max;
  }

  private async fetchBundle(trustDomain: string, peer: IdentityPeer) {
    const bundle = parseTrustBundle(await peer.trustBundle(), trustDomain);
    this.fetchedAt = this.now();
    return bundle;
  }

  private load(trustDomain: string, peer: IdentityPeer): Promise<JwtSvidVerifier> {
    return this.flights.run("load", async () => {
      try {
        const bundle = await this.fetchBundle(trustDomain, peer);
        this.verifier = new JwtSvidVerifier({
          bundle,
          refreshBundle: () => this.fetchBundle(trustDomain, peer),
          minRefreshIntervalMs: this.options.unknownKidRefreshMs ?? 5_000,
          now: this.options.now,
        });
        this.revokedFrom = undefined;
        return this.verifier;
      } catch (error) {
        throw new TrustBundleUnavailableError(`trust bundle unavailable: ${error instanceof Error ? error.message : String(error)}`);
      }
    }) as Promise<JwtSvidVerifier>;
  }
}
