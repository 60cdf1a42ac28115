// The mesh CA (Citadel's role): workload identities and join tokens, JWT-SVIDs, X509-SVIDs
// from CSRs, the SPIFFE trust bundle, and key/root rotation on Durable Object alarms.
// Private keys live only here, sealed at rest (controlplane/ca/key-wrap.ts); nothing returns them.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { DurableObject } from "cloudflare:workers";
import { calculateJwkThumbprint, type JWK } from "jose";
import type { z } from "zod";
import {
  generateRoot,
  importOperatorAuthority,
  InvalidCaMaterialError,
  type CaKeyAlgorithm,
  type SigningAuthority,
} from "./authority";
import { CaError, caResult, type CaResult } from "./errors";
import { hashJoinToken, newJoinToken } from "./join-token";
import { deriveWrappingKey, KeyUnwrapError, openPrivateKey, sealPrivateKey } from "./key-wrap";
import {
  createIdentitySchema,
  joinTokenSchema,
  jwtSvidRequestSchema,
  operatorIntermediateSchema,
  operatorRootSchema,
  rotateSchema,
  type JoinTokenRequest,
  type CaFinding,
  type CaInfo,
  type IdentityInfo,
  type JoinTokenResult,
  type JwtSvidResult,
} from "./api";
import { CaStore, type AuthorityRow, type IdentityListRow, type IdentityRow, type JwtKeyRow } from "./store";
import { issueServingLeaf, servingCertificateSchema } from "./serving-certificate";
import { checkRequestedIdentity, CsrError, issueLeaf, parseCsr } from "./x509-svid";
import { base64urlEncode } from "../../identity/base64url";
import { signJwtSvid } from "../../identity/jwt-svid-sign";
import { parseTrustDomain, workloadId } from "../../identity/spiffe-id";
import type { SpiffeBundleDocument } from "../../identity/trust-bundle";

x509.cryptoProvider.set(crypto);

/** Variables the CA reads (wrangler.toml `[vars]` / secrets). Durations in seconds. */
export interface CaEnv {
  ISTHMUS_TRUST_DOMAIN?: string;
  ISTHMUS_CA_WRAPPING_KEY?: string;
  ISTHMUS_JWT_KEY_ROTATION_SECONDS?: string;
  ISTHMUS_JWT_MAX_TTL_SECONDS?: string;
  ISTHMUS_X509_TTL_SECONDS?: string;
  ISTHMUS_CA_EXPIRY_WARNING_DAYS?: string;
  ISTHMUS_BUNDLE_REFRESH_SECONDS?: string;
  /** How long past their last expiry retired keys stay in the bundle (verifiers' clock skew). */
  ISTHMUS_CLOCK_SKEW_SECONDS?: string;
}

/** How a caller proved who it is: a join token, or the props of the binding it came through. */
export type Attestation =
  | { kind: "join-token"; token: string }
  | { kind: "binding"; namespace: string; serviceAccount: string };

const JWT_DEFAULT_TTL = 300;
const ROOT_LIFETIME_MS = 10 * 365 * 86_400_000;
const DEV_SECRET_KEY = "dev_wrapping_secret";

export class CertificateAuthority extends DurableObject<CaEnv> {
  private readonly store: CaStore;
  private wrapping: Promise<CryptoKey> | null = null;
  /**
   * The active keys, unsealed once and kept in this object (never outside it): issuing then
   * reads no key rows. Cleared when a key is rotated or installed; `keyGeneration` moves at
   * the same time, so an unseal that was under way then is not kept.
   */
  private signingJwt: { kid: string; key: CryptoKey } | null = null;
  private signingCa: { id: string; authority: SigningAuthority; chain: string[]; notAfter: number } | null = null;
  private keyGeneration = 0;
  /** The bundle document of the current sequence (rebuilt only when the sequence moves). */
  private bundleDoc: SpiffeBundleDocument | null = null;
  /** Latest exp recorded per JWT key, so issuing in the same second skips the write. */
  private readonly recordedExp = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: CaEnv) {
    super(ctx, env);
    this.store = new CaStore(ctx.storage.sql);
    if (!env.ISTHMUS_CA_WRAPPING_KEY) {
      console.warn(
        "[isthmus CA] WARNING: ISTHMUS_CA_WRAPPING_KEY is not set. CA private keys are sealed under a key generated " +
          "and stored next to them: fine for local development, NOT for production. Set the secret before deploying.",
      );
    }
  }

  // ---- settings -------------------------------------------------------------------------

  private seconds(value: string | undefined, fallback: number): number {
    const n = Number(value);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  }
  private get jwtRotationSeconds() {
    return this.seconds(this.env.ISTHMUS_JWT_KEY_ROTATION_SECONDS, 86_400);
  }
  private get jwtMaxTtl() {
    return this.seconds(this.env.ISTHMUS_JWT_MAX_TTL_SECONDS, 3_600);
  }
  private get x509Ttl() {
    return this.seconds(this.env.ISTHMUS_X509_TTL_SECONDS, 86_400);
  }
  private get warningDays() {
    return this.seconds(this.env.ISTHMUS_CA_EXPIRY_WARNING_DAYS, 30);
  }
  private get skewMs() {
    return this.seconds(this.env.ISTHMUS_CLOCK_SKEW_SECONDS, 30) * 1000;
  }
  private get trustDomain(): string {
    return this.store.meta("trust_domain") ?? parseTrustDomain(this.env.ISTHMUS_TRUST_DOMAIN || "cluster.local");
  }

  // ---- keys at rest ---------------------------------------------------------------------

  private wrappingKey(): Promise<CryptoKey> {
    if (!this.wrapping) {
      let secret = this.env.ISTHMUS_CA_WRAPPING_KEY;
      if (!secret) {
        secret = this.store.meta(DEV_SECRET_KEY) ?? base64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
        this.store.setMeta(DEV_SECRET_KEY, secret);
      }
      this.wrapping = deriveWrappingKey(secret);
    }
    return this.wrapping;
  }

  private async open(sealed: string, label: string, algorithm: CaKeyAlgorithm): Promise<CryptoKey> {
    try {
      return await openPrivateKey(await this.wrappingKey(), sealed, label, algorithm);
    } catch (err) {
      if (err instanceof KeyUnwrapError) {
        throw new CaError(503, err.code, `${err.message}. Restore the previous ISTHMUS_CA_WRAPPING_KEY, or POST /v1/ca/rotate {"what":"jwt"} and {"what":"root"} to make new keys under the current one`);
      }
      throw err;
    }
  }

  // ---- bootstrap and rotation -----------------------------------------------------------

  /** Makes sure the trust domain, a JWT key and an issuing authority exist. */
  private async ensureBootstrapped(): Promise<boolean> {
    if (this.store.meta("trust_domain") && this.store.activeJwtKey() && this.store.issuer()) return false;
    // Key generation awaits; hold other requests so two first uses cannot both bootstrap.
    return this.ctx.blockConcurrencyWhile(() => this.bootstrapNow());
  }

  private async bootstrapNow(): Promise<boolean> {
    let created = false;
    if (!this.store.meta("trust_domain")) {
      this.store.setMeta("trust_domain", this.trustDomain);
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
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const { kty, crv, x, y } = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
    const kid = base64urlEncode(crypto.getRandomValues(new Uint8Array(12)));
    const sealed = await sealPrivateKey(await this.wrappingKey(), pair.privateKey, `jwt:${kid}`);
    const now = Date.now();
    const row: JwtKeyRow = { kid, public_jwk: JSON.stringify({ kty, crv, x, y }), sealed_key: sealed, state: "active", created_at: now, last_exp: 0, retire_at: null };
    this.store.rotateJwtKey(row, now, this.skewMs);
    this.store.bumpSequence();
    this.signingJwt = null;
    this.keyGeneration += 1;
  }

  private async rotateRoot(): Promise<void> {
    const now = new Date();
    const root = await generateRoot(this.trustDomain, now);
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
    const sealed = await sealPrivateKey(await this.wrappingKey(), authority.privateKey, `ca:${id}`);
    this.store.retireActiveAuthorities(now, this.skewMs);
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
    if (active) times.push(active.created_at + this.jwtRotationSeconds * 1000);
    // Look at authority expiry at least daily so a generated root is renewed in time.
    times.push(Date.now() + 86_400_000);
    const next = Math.min(...times.filter((t): t is number => t !== null));
    await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 1000));
  }

  /** Rotates due JWT keys, renews an expiring generated root, drops retired material. */
  override async alarm(): Promise<void> {
    if (!this.store.meta("trust_domain")) return;
    const now = Date.now();
    const active = this.store.activeJwtKey();
    if (active && active.created_at + this.jwtRotationSeconds * 1000 <= now) await this.rotateJwtKey();
    const issuer = this.store.issuer();
    // Renew a generated root inside the warning window, unless the window is so wide that a
    // fresh root would fall inside it too (then only the finding reports it).
    const window = this.warningDays * 86_400_000;
    if (issuer?.source === "generated" && issuer.not_after - now < window && window < ROOT_LIFETIME_MS / 2) await this.rotateRoot();
    if (this.store.removeRetired(now) > 0) this.store.bumpSequence();
    await this.scheduleAlarm();
  }

  // ---- signing material -----------------------------------------------------------------

  private async jwtSigner(): Promise<{ kid: string; key: CryptoKey }> {
    if (this.signingJwt) return this.signingJwt;
    await this.ensureBootstrapped();
    const generation = this.keyGeneration;
    const row = this.store.activeJwtKey()!;
    const signer = { kid: row.kid, key: await this.open(row.sealed_key, `jwt:${row.kid}`, { name: "ECDSA", namedCurve: "P-256" }) };
    if (generation === this.keyGeneration) this.signingJwt = signer;
    return signer;
  }

  private async caSigner(): Promise<{ id: string; authority: SigningAuthority; chain: string[] }> {
    let signer = this.signingCa;
    if (!signer) {
      await this.ensureBootstrapped();
      const generation = this.keyGeneration;
      const row = this.store.issuer()!;
      const keyAlgorithm = JSON.parse(row.key_algorithm!) as CaKeyAlgorithm;
      signer = {
        id: row.id,
        authority: { certificate: new x509.X509Certificate(row.cert_pem), privateKey: await this.open(row.sealed_key!, `ca:${row.id}`, keyAlgorithm), keyAlgorithm },
        chain: row.role === "intermediate" ? [row.cert_pem] : [],
        notAfter: row.not_after,
      };
      if (generation === this.keyGeneration) this.signingCa = signer;
    }
    if (signer.notAfter <= Date.now()) throw new CaError(503, "ca_expired", `the issuing CA certificate expired at ${iso(signer.notAfter)}`);
    return signer;
  }

  // ---- attestation ----------------------------------------------------------------------

  /** Resolves the caller's identity; a single-use token is only checked here, consumed by `consume`. */
  private async attest(attestation: Attestation): Promise<{ identity: IdentityRow; consume: () => void }> {
    if (attestation.kind === "binding") {
      const spiffeId = this.workloadIdOf(attestation.namespace, attestation.serviceAccount);
      let identity = this.store.identity(spiffeId);
      if (!identity) {
        identity = { spiffe_id: spiffeId, namespace: attestation.namespace, service_account: attestation.serviceAccount, created_at: Date.now(), revoked_at: null, attestation: "binding" };
        this.store.insertIdentity(identity);
      }
      if (identity.revoked_at) throw new CaError(403, "identity_revoked", `identity ${spiffeId} is revoked`);
      return { identity, consume: () => {} };
    }
    const invalid = () => new CaError(401, "invalid_join_token", "join token is not valid (unknown, revoked, expired or already used)");
    if (!attestation.token) throw new CaError(401, "unauthenticated", "a join token is required: Authorization: Bearer <join token>");
    const hash = await hashJoinToken(attestation.token);
    const token = this.store.joinToken(hash);
    if (!token) throw invalid();
    if (token.expires_at !== null && token.expires_at <= Date.now()) throw invalid();
    if (token.single_use && token.used_at !== null) throw invalid();
    const identity = this.store.identity(token.spiffe_id);
    if (!identity) throw invalid();
    if (identity.revoked_at) throw new CaError(403, "identity_revoked", `identity ${identity.spiffe_id} is revoked`);
    return {
      identity,
      consume: () => {
        if (token.single_use && !this.store.consumeJoinToken(hash, Date.now())) throw invalid();
      },
    };
  }

  private workloadIdOf(namespace: string, serviceAccount: string): string {
    try {
      return workloadId(this.trustDomain, namespace, serviceAccount);
    } catch (err) {
      throw new CaError(400, "invalid_identity", (err as Error).message);
    }
  }

  private async issueJoinToken(spiffeId: string, options: JoinTokenRequest): Promise<Omit<JoinTokenResult, "spiffeId">> {
    const joinToken = newJoinToken();
    const now = Date.now();
    const expiresAt = options.ttlSeconds ? now + options.ttlSeconds * 1000 : null;
    this.store.insertJoinToken({ hash: await hashJoinToken(joinToken), spiffe_id: spiffeId, created_at: now, expires_at: expiresAt, single_use: options.singleUse ? 1 : 0, used_at: null });
    return { joinToken, expiresAt: expiresAt ? iso(expiresAt) : null, singleUse: !!options.singleUse };
  }

  // ---- RPC surface ----------------------------------------------------------------------

  /** Bootstraps the CA if needed; `created` says whether anything was generated. */
  async bootstrap(): Promise<CaResult<{ created: boolean; ca: CaInfo }>> {
    return caResult(async () => {
      const created = await this.ensureBootstrapped();
      return { created, ca: this.describe() };
    });
  }

  /** State of the CA for `GET /v1/ca` (no key material). */
  async info(): Promise<CaResult<CaInfo>> {
    return caResult(async () => this.describe());
  }

  /** Forces a rotation: `{what: "jwt"}` or `{what: "root"}`. */
  async rotate(body: unknown): Promise<CaResult<CaInfo>> {
    return caResult(async () => {
      const { what } = parse(rotateSchema, body);
      await this.ensureBootstrapped();
      if (what === "jwt") await this.rotateJwtKey();
      else await this.rotateRoot();
      await this.scheduleAlarm();
      return this.describe();
    });
  }

  /** Installs an operator root (PEM cert + PKCS#8 key) as the issuing authority. */
  async installRoot(body: unknown): Promise<CaResult<CaInfo>> {
    return caResult(async () => {
      const input = parse(operatorRootSchema, body);
      await this.installOperator(input, "root");
      return this.describe();
    });
  }

  /** Installs an operator intermediate (cert, key, root cert) as the issuing authority. */
  async installIntermediate(body: unknown): Promise<CaResult<CaInfo>> {
    return caResult(async () => {
      const input = parse(operatorIntermediateSchema, body);
      await this.installOperator(input, "intermediate");
      return this.describe();
    });
  }

  private async installOperator(input: { certificate: string; privateKey: string; rootCertificate?: string }, kind: "root" | "intermediate") {
    if (!this.store.meta("trust_domain")) this.store.setMeta("trust_domain", this.trustDomain);
    const now = new Date();
    let imported;
    try {
      imported = await importOperatorAuthority(input, kind, this.trustDomain, now);
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

  /** Creates a workload identity and its first join token (returned once). */
  async createIdentity(body: unknown): Promise<CaResult<JoinTokenResult>> {
    return caResult(async () => {
      const input = parse(createIdentitySchema, body);
      await this.ensureBootstrapped();
      const spiffeId = this.workloadIdOf(input.namespace, input.serviceAccount);
      const existing = this.store.identity(spiffeId);
      if (existing) {
        throw new CaError(409, "conflict", existing.revoked_at ? `identity ${spiffeId} exists and is revoked` : `identity ${spiffeId} already exists; POST .../join-tokens for a new token`);
      }
      this.store.insertIdentity({ spiffe_id: spiffeId, namespace: input.namespace, service_account: input.serviceAccount, created_at: Date.now(), revoked_at: null, attestation: "join-token" });
      return { spiffeId, ...(await this.issueJoinToken(spiffeId, input)) };
    });
  }

  async listIdentities(): Promise<CaResult<IdentityInfo[]>> {
    return caResult(async () => this.store.identities().map(identityInfo));
  }

  async getIdentity(namespace: string, serviceAccount: string): Promise<CaResult<IdentityInfo>> {
    return caResult(async () => identityInfo(this.requireIdentity(namespace, serviceAccount)));
  }

  /** Revokes an identity: issuance stops now; the bundle lists it so its tokens stop verifying. */
  async revokeIdentity(namespace: string, serviceAccount: string): Promise<CaResult<IdentityInfo>> {
    return caResult(async () => {
      const identity = this.requireIdentity(namespace, serviceAccount);
      if (!identity.revoked_at) {
        this.store.revokeIdentity(identity.spiffe_id, Date.now());
        this.store.bumpSequence();
      }
      return identityInfo({ ...identity, ...this.store.identity(identity.spiffe_id)!, active_tokens: 0 });
    });
  }

  /** Issues another join token for an existing, unrevoked identity. */
  async createJoinToken(namespace: string, serviceAccount: string, body: unknown): Promise<CaResult<JoinTokenResult>> {
    return caResult(async () => {
      const input = parse(joinTokenSchema, body ?? {});
      const identity = this.requireIdentity(namespace, serviceAccount);
      if (identity.revoked_at) throw new CaError(409, "identity_revoked", `identity ${identity.spiffe_id} is revoked`);
      return { spiffeId: identity.spiffe_id, ...(await this.issueJoinToken(identity.spiffe_id, input)) };
    });
  }

  private requireIdentity(namespace: string, serviceAccount: string): IdentityListRow {
    const spiffeId = this.workloadIdOf(namespace, serviceAccount);
    const identity = this.store.identities().find((i) => i.spiffe_id === spiffeId);
    if (!identity) throw new CaError(404, "not_found", `identity ${spiffeId} does not exist`);
    return identity;
  }

  /** Issues a JWT-SVID: `{audience, ttlSeconds?, publicKey?}` -> `{token, expiresAt, spiffeId}`. */
  async issueJwtSvid(attestation: Attestation, body: unknown): Promise<CaResult<JwtSvidResult>> {
    return caResult(async () => {
      const { identity, consume } = await this.attest(attestation);
      const input = parse(jwtSvidRequestSchema, body);
      const ttl = input.ttlSeconds ?? JWT_DEFAULT_TTL;
      if (ttl > this.jwtMaxTtl) {
        throw new CaError(400, "invalid_request", `ttlSeconds ${ttl} exceeds the maximum of ${this.jwtMaxTtl}`, [{ path: "ttlSeconds", message: `at most ${this.jwtMaxTtl}` }]);
      }
      let jkt: string | undefined;
      if (input.publicKey) {
        if ("d" in input.publicKey) throw new CaError(400, "invalid_request", "publicKey must be a public JWK (it has a private member d)", [{ path: "publicKey.d", message: "not allowed" }]);
        try {
          jkt = await calculateJwkThumbprint(input.publicKey as JWK, "sha256");
        } catch (err) {
          throw new CaError(400, "invalid_request", `publicKey is not a usable JWK: ${(err as Error).message}`, [{ path: "publicKey", message: (err as Error).message }]);
        }
      }
      const signer = await this.jwtSigner();
      consume();
      const iat = Math.floor(Date.now() / 1000);
      const exp = iat + ttl;
      const audience = Array.isArray(input.audience) && input.audience.length === 1 ? input.audience[0] : input.audience;
      const token = await signJwtSvid(signer.key, signer.kid, { sub: identity.spiffe_id, aud: audience, exp, iat, jti: crypto.randomUUID(), ...(jkt ? { cnf: { jkt } } : {}) });
      if ((this.recordedExp.get(signer.kid) ?? 0) < exp) {
        this.store.recordJwt(signer.kid, exp * 1000);
        this.recordedExp.set(signer.kid, exp);
      }
      this.store.recordIssuance(identity.spiffe_id, "jwt-svid", iat * 1000);
      return { token, expiresAt: iso(exp * 1000), spiffeId: identity.spiffe_id };
    });
  }

  /** Signs an X509-SVID for a PKCS#10 CSR (PEM or DER); returns the PEM chain, leaf first. */
  async issueX509Svid(attestation: Attestation, csrBytes: Uint8Array | string, ttlSeconds?: number): Promise<CaResult<{ chain: string; spiffeId: string; expiresAt: string }>> {
    return caResult(async () => {
      const { identity, consume } = await this.attest(attestation);
      const ttl = ttlSeconds ?? this.x509Ttl;
      if (!Number.isInteger(ttl) || ttl < 60 || ttl > 7 * 86_400) {
        throw new CaError(400, "invalid_request", "ttlSeconds must be an integer from 60 to 604800", [{ path: "ttlSeconds", message: "60..604800" }]);
      }
      const bytes = typeof csrBytes === "string" ? new TextEncoder().encode(csrBytes) : csrBytes;
      const signer = await this.caSigner();
      let leaf: x509.X509Certificate;
      try {
        const csr = await parseCsr(bytes);
        checkRequestedIdentity(csr, identity.spiffe_id);
        consume();
        leaf = await issueLeaf({ csr, spiffeId: identity.spiffe_id, issuer: signer.authority, ttlSeconds: ttl, now: new Date() });
      } catch (err) {
        if (err instanceof CsrError) throw new CaError(400, err.code, err.message);
        throw err;
      }
      this.store.recordLeaf(signer.id, leaf.notAfter.getTime());
      this.store.recordIssuance(identity.spiffe_id, "x509-svid", Date.now());
      return { chain: [leaf.toString("pem"), ...signer.chain].map((p) => p.trim() + "\n").join(""), spiffeId: identity.spiffe_id, expiresAt: leaf.notAfter.toISOString() };
    });
  }

  /** Signs a serving certificate for host names (the gateway's TLS listener; admin only): PEM chain, leaf first. */
  async issueServingCertificate(body: unknown): Promise<CaResult<{ chain: string; expiresAt: string }>> {
    return caResult(async () => {
      const input = parse(servingCertificateSchema, body);
      const signer = await this.caSigner();
      let leaf: x509.X509Certificate;
      try {
        const csr = await parseCsr(new TextEncoder().encode(input.csr));
        leaf = await issueServingLeaf({ publicKey: csr.publicKey, dnsNames: input.dnsNames, ipAddresses: input.ipAddresses ?? [], issuer: signer.authority, ttlSeconds: input.ttlSeconds ?? this.x509Ttl, now: new Date() });
      } catch (err) {
        if (err instanceof CsrError) throw new CaError(400, err.code, err.message);
        throw err;
      }
      this.store.recordLeaf(signer.id, leaf.notAfter.getTime());
      return { chain: [leaf.toString("pem"), ...signer.chain].map((p) => p.trim() + "\n").join(""), expiresAt: leaf.notAfter.toISOString() };
    });
  }

  /** The SPIFFE bundle: x509-svid roots, jwt-svid keys, sequence, refresh hint, revoked IDs. */
  async trustBundle(): Promise<SpiffeBundleDocument> {
    await this.ensureBootstrapped();
    const sequence = this.store.sequence();
    if (this.bundleDoc?.spiffe_sequence !== sequence) this.bundleDoc = await this.buildBundle(sequence);
    return this.bundleDoc;
  }

  private async buildBundle(sequence: number): Promise<SpiffeBundleDocument> {
    const keys: SpiffeBundleDocument["keys"] = [];
    for (const row of this.store.authorities().filter((a) => a.role === "root")) {
      const cert = new x509.X509Certificate(row.cert_pem);
      const jwk = (await crypto.subtle.exportKey("jwk", await cert.publicKey.export())) as JsonWebKey;
      keys.push({ ...publicMembers(jwk), use: "x509-svid", x5c: [base64(cert.rawData)] });
    }
    for (const row of this.store.jwtKeys()) keys.push({ ...JSON.parse(row.public_jwk), use: "jwt-svid", kid: row.kid });
    return {
      keys,
      spiffe_sequence: sequence,
      spiffe_refresh_hint: this.seconds(this.env.ISTHMUS_BUNDLE_REFRESH_SECONDS, 60),
      trust_domain: this.trustDomain,
      revoked: this.store.revoked(),
    };
  }

  /** SPIFFE IDs whose credentials must no longer be accepted (for the config snapshot). */
  async revokedIdentities(): Promise<string[]> {
    return this.store.revoked();
  }

  /** Expiry and key-protection findings for `/v1/analyze` and metrics. */
  async findings(): Promise<CaFinding[]> {
    return this.computeFindings();
  }

  private computeFindings(): CaFinding[] {
    const findings: CaFinding[] = [];
    if (!this.env.ISTHMUS_CA_WRAPPING_KEY) {
      findings.push({ code: "ca_wrapping_key_generated", severity: "warning", message: "ISTHMUS_CA_WRAPPING_KEY is not set: CA keys are sealed under a generated key stored beside them (development only)" });
    }
    const now = Date.now();
    for (const row of this.store.authorities().filter((a) => a.state === "active")) {
      const left = row.not_after - now;
      const what = `${row.source} ${row.role} ${new x509.X509Certificate(row.cert_pem).subject}`;
      if (left <= 0) findings.push({ code: "ca_expired", severity: "error", message: `${what} expired at ${iso(row.not_after)}` });
      else if (left < this.warningDays * 86_400_000) {
        findings.push({ code: "ca_expiring", severity: "warning", message: `${what} expires at ${iso(row.not_after)}, in ${Math.ceil(left / 86_400_000)} days` });
      }
    }
    return findings;
  }

  private describe(): CaInfo {
    const now = Date.now();
    const issuer = this.store.issuer();
    const active = this.store.activeJwtKey();
    return {
      trustDomain: this.trustDomain,
      bootstrapped: !!issuer && !!active,
      keyProtection: this.env.ISTHMUS_CA_WRAPPING_KEY ? "secret" : "generated-dev-key",
      bundleSequence: this.store.sequence(),
      authorities: this.store.authorities().map((a: AuthorityRow) => ({
        role: a.role,
        source: a.source,
        subject: new x509.X509Certificate(a.cert_pem).subject,
        notAfter: iso(a.not_after),
        secondsToExpiry: Math.floor((a.not_after - now) / 1000),
        state: a.state,
        retireAt: a.retire_at ? iso(a.retire_at) : null,
        issuing: a.id === issuer?.id,
      })),
      jwtKeys: this.store.jwtKeys().map((k) => ({ kid: k.kid, state: k.state, createdAt: iso(k.created_at), retireAt: k.retire_at ? iso(k.retire_at) : null })),
      jwtRotation: { periodSeconds: this.jwtRotationSeconds, nextRotationAt: active ? iso(active.created_at + this.jwtRotationSeconds * 1000) : null },
      settings: { jwtDefaultTtlSeconds: JWT_DEFAULT_TTL, jwtMaxTtlSeconds: this.jwtMaxTtl, x509TtlSeconds: this.x509Ttl, expiryWarningDays: this.warningDays },
      revoked: this.store.revoked(),
      issued: this.store.issuedByKind(),
      findings: this.computeFindings(),
    };
  }
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  throw new CaError(400, "invalid_request", `invalid request: ${details.map((d) => `${d.path || "(body)"}: ${d.message}`).join("; ")}`, details);
}

function identityInfo(row: IdentityListRow): IdentityInfo {
  return {
    spiffeId: row.spiffe_id,
    namespace: row.namespace,
    serviceAccount: row.service_account,
    createdAt: iso(row.created_at),
    revokedAt: row.revoked_at ? iso(row.revoked_at) : null,
    attestation: row.attestation,
    activeJoinTokens: row.revoked_at ? 0 : row.active_tokens,
    lastIssuedAt: row.last_issued_at ? iso(row.last_issued_at) : null,
  };
}

function publicMembers(jwk: JsonWebKey): { kty: string; crv?: string; x?: string; y?: string; n?: string; e?: string } {
  const { kty, crv, x, y, n, e } = jwk;
  return { kty: kty!, ...(crv ? { crv, x, y } : { n, e }) };
}

function base64(data: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(data)));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
