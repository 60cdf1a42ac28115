// The CA's keys over time: bootstrap, JWT key and root rotation on alarms, operator-supplied
// roots and intermediates, and the active keys unsealed once per object for issuing.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { base64urlEncode } from "../../identity/base64url";
import {
  generateRoot,
  importOperatorAuthority,
  InvalidCaMaterialError,
  type CaKeyAlgorithm,
  type OperatorCaInput,
  type SigningAuthority,
} from "./authority";
import { CaError } from "./errors";
import type { KeySeal } from "./key-seal";
import type { CaSettings } from "./settings";
import type { CaStore, JwtKeyRow } from "./store";

x509.cryptoProvider.set(crypto);

const ROOT_LIFETIME_MS = 10 * 365 * 86_400_000;
const JWT_KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256" } as const;

/** The active JWT-SVID key, unsealed. */
export interface JwtSigner {
  kid: string;
  key: CryptoKey;
}

/** The issuing X.509 authority, unsealed, with the chain that follows a leaf it signs. */
export interface CaSigner {
  id: string;
  authority: SigningAuthority;
  chain: string[];
  notAfter: number;
}

/** The parts of the Durable Object state the lifecycle drives. */
export type LifecycleState = Pick<DurableObjectState, "blockConcurrencyWhile"> & { storage: Pick<DurableObjectStorage, "setAlarm"> };

/** Key material of one CA object; private keys are unsealed only into this object. */
export class CaLifecycle {
  /**
   * The active keys, unsealed once and kept here (never outside the CA object): issuing then
   * reads no key rows. Cleared when a key is rotated or installed; `keyGeneration` moves at
   * the same time, so an unseal that was under way then is not kept.
   */
  private signingJwt: JwtSigner | null = null;
  private signingCa: CaSigner | null = null;
  private keyGeneration = 0;

  constructor(
    private readonly state: LifecycleState,
    private readonly store: CaStore,
    private readonly settings: CaSettings,
    private readonly seal: KeySeal,
    private readonly trustDomain: () => string,
  ) {}

  /** Makes sure the trust domain, a JWT key and an issuing authority exist; true if it made any. */
  async ensureBootstrapped(): Promise<boolean> {
    if (this.store.meta("trust_domain") && this.store.activeJwtKey() && this.store.issuer()) return false;
    // Key generation awaits; hold other requests so two first uses cannot both bootstrap.
    return this.state.blockConcurrencyWhile(() => this.bootstrapNow());
  }

  /** Forces a rotation of the JWT key or the generated root. */
  async rotate(what: "jwt" | "root"): Promise<void> {
    await this.ensureBootstrapped();
    if (what === "jwt") await this.rotateJwtKey();
    else await this.rotateRoot();
    await this.scheduleAlarm();
  }

  /** Checks operator material and makes it the issuing authority (400/409 CaError if unusable). */
  async installOperator(input: OperatorCaInput, kind: "root" | "intermediate"): Promise<void> {
    if (!this.store.meta("trust_domain")) this.store.setMeta("trust_domain", this.trustDomain());
    const now = new Date();
    let imported;
    try {
      imported = await importOperatorAuthority(input, kind, this.trustDomain(), now);
    } catch (err) {
      if (err instanceof InvalidCaMaterialError) throw new CaError(400, err.code, err.message);
      throw err;
    }
    const id = `${kind}-${imported.authority.certificate.serialNumber}`;
    if (this.store.authorities().some((a) => a.id === id || (kind === "intermediate" && a.id === `root-${imported.root.serialNumber}`))) {
      throw new CaError(409, "conflict", "this CA certificate is already installed");
    }
    await this.installAuthority(id, kind, "operator", imported.authority, kind === "intermediate" ? imported.root : null, now.getTime());
    await this.ensureBootstrapped();
    await this.scheduleAlarm();
  }

  /** Rotates due JWT keys, renews an expiring generated root, drops retired material. */
  async alarm(): Promise<void> {
    if (!this.store.meta("trust_domain")) return;
    const now = Date.now();
    const active = this.store.activeJwtKey();
    if (active && active.created_at + this.settings.jwtRotationSeconds * 1000 <= now) await this.rotateJwtKey();
    const issuer = this.store.issuer();
    // Renew a generated root inside the warning window, unless the window is so wide that a
    // fresh root would fall inside it too (then only the finding reports it).
    const window = this.settings.expiryWarningDays * 86_400_000;
    if (issuer?.source === "generated" && issuer.not_after - now < window && window < ROOT_LIFETIME_MS / 2) await this.rotateRoot();
    if (this.store.removeRetired(now) > 0) this.store.bumpSequence();
    await this.scheduleAlarm();
  }

  /** The active JWT key, bootstrapping the CA on first use. */
  async jwtSigner(): Promise<JwtSigner> {
    if (this.signingJwt) return this.signingJwt;
    await this.ensureBootstrapped();
    const generation = this.keyGeneration;
    const row = this.store.activeJwtKey()!;
    const signer = { kid: row.kid, key: await this.seal.open(row.sealed_key, `jwt:${row.kid}`, JWT_KEY_ALGORITHM) };
    if (generation === this.keyGeneration) this.signingJwt = signer;
    return signer;
  }

  /** The issuing authority, bootstrapping the CA on first use; a 503 CaError once it expired. */
  async caSigner(): Promise<CaSigner> {
    let signer = this.signingCa;
    if (!signer) {
      await this.ensureBootstrapped();
      const generation = this.keyGeneration;
      const row = this.store.issuer()!;
      const keyAlgorithm = JSON.parse(row.key_algorithm!) as CaKeyAlgorithm;
      signer = {
        id: row.id,
        authority: { certificate: new x509.X509Certificate(row.cert_pem), privateKey: await this.seal.open(row.sealed_key!, `ca:${row.id}`, keyAlgorithm), keyAlgorithm },
        chain: row.role === "intermediate" ? [row.cert_pem] : [],
        notAfter: row.not_after,
      };
      if (generation === this.keyGeneration) this.signingCa = signer;
    }
    if (signer.notAfter <= Date.now()) throw new CaError(503, "ca_expired", `the issuing CA certificate expired at ${new Date(signer.notAfter).toISOString()}`);
    return signer;
  }

  private async bootstrapNow(): Promise<boolean> {
    let created = false;
    if (!this.store.meta("trust_domain")) {
      this.store.setMeta("trust_domain", this.trustDomain());
      created = true;
    }
    if (!this.store.activeJwtKey()) {
      await this.rotateJwtKey();
      created = true;
    }
    if (!this.store.issuer()) {
      await this.rotateRoot();
      created = true;
    }
    if (created) await this.scheduleAlarm();
    return created;
  }

  private async rotateJwtKey(): Promise<void> {
    const pair = (await crypto.subtle.generateKey(JWT_KEY_ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
    const { kty, crv, x, y } = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
    const kid = base64urlEncode(crypto.getRandomValues(new Uint8Array(12)));
    const sealed = await this.seal.seal(pair.privateKey, `jwt:${kid}`);
    const now = Date.now();
    const row: JwtKeyRow = { kid, public_jwk: JSON.stringify({ kty, crv, x, y }), sealed_key: sealed, state: "active", created_at: now, last_exp: 0, retire_at: null };
    this.store.rotateJwtKey(row, now, this.settings.skewMs);
    this.store.bumpSequence();
    this.signingJwt = null;
    this.keyGeneration += 1;
  }

  private async rotateRoot(): Promise<void> {
    const now = new Date();
    const root = await generateRoot(this.trustDomain(), now);
    const id = `root-${root.certificate.serialNumber}`;
    await this.installAuthority(id, "root", "generated", root, null, now.getTime());
  }

  private async installAuthority(
    id: string,
    role: "root" | "intermediate",
    source: "generated" | "operator",
    authority: SigningAuthority,
    parent: x509.X509Certificate | null,
    now: number,
  ): Promise<void> {
    const sealed = await this.seal.seal(authority.privateKey, `ca:${id}`);
    this.store.retireActiveAuthorities(now, this.settings.skewMs);
    let parentId: string | null = null;
    if (parent) {
      parentId = `root-${parent.serialNumber}`;
      this.store.insertAuthority({
        id: parentId, role: "root", source: "operator", cert_pem: parent.toString("pem"), sealed_key: null, key_algorithm: null,
        parent_id: null, state: "active", created_at: now, not_after: parent.notAfter.getTime(), last_leaf_exp: 0, retire_at: null,
      });
    }
    this.store.insertAuthority({
      id, role, source, cert_pem: authority.certificate.toString("pem"), sealed_key: sealed,
      key_algorithm: JSON.stringify(authority.keyAlgorithm), parent_id: parentId, state: "active", created_at: now,
      not_after: authority.certificate.notAfter.getTime(), last_leaf_exp: 0, retire_at: null,
    });
    this.store.bumpSequence();
    this.signingCa = null;
    this.keyGeneration += 1;
  }

  private async scheduleAlarm(): Promise<void> {
    const active = this.store.activeJwtKey();
    const times = [this.store.nextRetirement()];
    if (active) times.push(active.created_at + this.settings.jwtRotationSeconds * 1000);
    // Look at authority expiry at least daily so a generated root is renewed in time.
    times.push(Date.now() + 86_400_000);
    const next = Math.min(...times.filter((t): t is number => t !== null));
    await this.state.storage.setAlarm(Math.max(next, Date.now() + 1000));
  }
}
