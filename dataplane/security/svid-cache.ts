import { SingleFlight } from "../single-flight.ts";
import { base64urlDecode } from "../../identity/base64url.ts";
import { generateAgreementKey, type AgreementKey } from "./key-agreement.ts";
import { generateWorkloadKey, type WorkloadKey } from "./workload-key.ts";
import type { IdentityPeer } from "./mesh-peer.ts";

// An issuance is one RPC: past this it is taken for lost with a torn-down request.
const FLIGHT_ABANDON_MS = 10_000;

/** A JWT-SVID this isolate holds for one audience. */
export interface HeldSvid {
  token: string;
  /** The subject: this workload's SPIFFE ID as the CA attested it. */
  spiffeId: string;
  /** Milliseconds since the epoch. */
  expiresAtMs: number;
  issuedAtMs: number;
  /** The token's `jti`, which the callee's answer is bound to. */
  jti: string;
}

/**
 * The isolate's own credentials: its workload key and its attested key-agreement key (made
 * once), and JWT-SVIDs bound to the workload key
 * (`cnf.jkt`) per audience. An SVID is fetched at first need, then renewed in waitUntil
 * once half its lifetime has passed, so requests never wait for one that is about to
 * expire; only a missing or expired one is fetched on the request path.
 */
export class SvidCache {
  private key: Promise<WorkloadKey> | undefined;
  private agreement: Promise<AgreementKey> | undefined;
  private readonly held = new Map<string, HeldSvid>();
  /** Issuances in flight by audience, shared by the requests that arrive meanwhile. */
  private readonly pending: SingleFlight<string, HeldSvid>;

  constructor(private readonly now: () => number = Date.now) {
    this.pending = new SingleFlight(FLIGHT_ABANDON_MS, now);
  }

  /** The workload key, made on first use. */
  workloadKey(): Promise<WorkloadKey> {
    this.key ??= generateWorkloadKey();
    return this.key;
  }

  /** The ECDH key and its attestation signed by the workload key, made on first use. */
  agreementKey(): Promise<AgreementKey> {
    this.agreement ??= this.workloadKey().then((key) => generateAgreementKey(key));
    return this.agreement;
  }

  /** A valid SVID for `audience`; schedules renewal through `waitUntil` when it is half spent. */
  async svidFor(audience: string, peer: IdentityPeer, waitUntil: (promise: Promise<unknown>) => void): Promise<HeldSvid> {
    return this.current(audience, peer, waitUntil) ?? this.fetch(audience, peer);
  }

  /**
   * The SVID held for `audience` if it is valid for 5 s more, without waiting (scheduling
   * its renewal like `svidFor`); undefined when one must be fetched.
   */
  current(audience: string, peer: IdentityPeer, waitUntil: (promise: Promise<unknown>) => void): HeldSvid | undefined {
    const now = this.now();
    const current = this.held.get(audience);
    // A margin of 5 s keeps a token from expiring in flight.
    if (!current || current.expiresAtMs - 5_000 <= now) return undefined;
    if (now - current.issuedAtMs > (current.expiresAtMs - current.issuedAtMs) / 2 && !this.pending.has(audience)) {
      waitUntil(this.fetch(audience, peer).catch(() => undefined));
    }
    return current;
  }

  private fetch(audience: string, peer: IdentityPeer): Promise<HeldSvid> {
    return this.pending.run(audience, async () => {
      const key = await this.workloadKey();
      const issued = await peer.jwtSvid(audience, { publicKey: key.publicJwk });
      const svid: HeldSvid = {
        token: issued.token,
        spiffeId: issued.spiffeId,
        expiresAtMs: Date.parse(issued.expiresAt),
        issuedAtMs: this.now(),
        jti: jtiOf(issued.token),
      };
      this.held.set(audience, svid);
      return svid;
    });
  }
}

function jtiOf(token: string): string {
  const payload = base64urlDecode(token.split(".")[1] ?? "");
  const jti = payload ? (JSON.parse(new TextDecoder().decode(payload)) as { jti?: unknown }).jti : undefined;
  if (typeof jti !== "string") throw new Error("the CA issued a JWT-SVID without jti");
  return jti;
}
