// The mesh CA (Citadel's role) as a Durable Object: workload identities and join tokens,
// JWT-SVIDs, X509-SVIDs from CSRs, the SPIFFE trust bundle, and key/root rotation on alarms.
// This class only answers RPC: each concern is a module beside it (lifecycle, identities,
// issuance, bundle, status). Private keys live only in this object, sealed at rest
// (key-seal.ts); nothing returns them.
import { DurableObject } from "cloudflare:workers";
import type { Result } from "../../contracts/refusal.ts";
import type { SpiffeBundleDocument } from "../../identity/trust-bundle";
import {
  createIdentitySchema,
  joinTokenSchema,
  jwtSvidRequestSchema,
  operatorIntermediateSchema,
  operatorRootSchema,
  rotateSchema,
  type CaFinding,
  type CaInfo,
  type IdentityInfo,
  type JoinTokenResult,
  type JwtSvidResult,
} from "./api";
import { TrustBundle } from "./bundle";
import { resultOf } from "../http/errors.ts";
import { createIdentity, createJoinToken, identityInfo, requireIdentity, revokeIdentity } from "./identities";
import { attest, issueJwtSvid, issueServingCertificate, issueX509Svid, type Attestation } from "./issuance";
import { KeySeal } from "./key-seal";
import { CaLifecycle } from "./lifecycle";
import { parseRequest } from "./request";
import { servingCertificateSchema } from "./serving-certificate";
import { caSettings, JWT_DEFAULT_TTL, trustDomainOf, type CaEnv, type CaSettings } from "./settings";
import { caFindings, describeCa } from "./status";
import { CaStore } from "./store";

export class CertificateAuthority extends DurableObject<CaEnv> {
  private readonly store: CaStore;
  private readonly settings: CaSettings;
  private readonly lifecycle: CaLifecycle;
  private readonly bundle: TrustBundle;
  /** Latest exp recorded per JWT key, so issuing in the same second skips the write. */
  private readonly recordedExp = new Map<string, number>();
  private knownTrustDomain: string | undefined;

  constructor(ctx: DurableObjectState, env: CaEnv) {
    super(ctx, env);
    this.store = new CaStore(ctx.storage.sql);
    this.settings = caSettings(env);
    this.lifecycle = new CaLifecycle(ctx, this.store, this.settings, new KeySeal(this.store, this.settings.wrappingSecret), () => this.trustDomain());
    this.bundle = new TrustBundle(this.store, this.settings.bundleRefreshSeconds);
    if (!this.settings.wrappingSecret) {
      console.warn(
        "[isthmus CA] WARNING: ISTHMUS_CA_WRAPPING_KEY is not set. CA private keys are sealed under a key generated " +
          "and stored next to them: fine for local development, NOT for production. Set the secret before deploying.",
      );
    }
  }

  /** Rotates due JWT keys, renews an expiring generated root, drops retired material. */
  override async alarm(): Promise<void> {
    await this.lifecycle.alarm();
  }

  /** Bootstraps the CA if needed; `created` says whether anything was generated. */
  async bootstrap(): Promise<Result<{ created: boolean; ca: CaInfo }>> {
    return resultOf(async () => {
      const created = await this.lifecycle.ensureBootstrapped();
      return { created, ca: this.describe() };
    });
  }

  /** State of the CA for `GET /v1/ca` (no key material). */
  async info(): Promise<Result<CaInfo>> {
    return resultOf(async () => this.describe());
  }

  /** Forces a rotation: `{what: "jwt"}` or `{what: "root"}`. */
  async rotate(body: unknown): Promise<Result<CaInfo>> {
    return resultOf(async () => {
      const { what } = parseRequest(rotateSchema, body);
      await this.lifecycle.rotate(what);
      return this.describe();
    });
  }

  /** Installs an operator root (PEM cert + PKCS#8 key) as the issuing authority. */
  async installRoot(body: unknown): Promise<Result<CaInfo>> {
    return resultOf(async () => {
      await this.lifecycle.installOperator(parseRequest(operatorRootSchema, body), "root");
      return this.describe();
    });
  }

  /** Installs an operator intermediate (cert, key, root cert) as the issuing authority. */
  async installIntermediate(body: unknown): Promise<Result<CaInfo>> {
    return resultOf(async () => {
      await this.lifecycle.installOperator(parseRequest(operatorIntermediateSchema, body), "intermediate");
      return this.describe();
    });
  }

  /** Creates a workload identity and its first join token (returned once). */
  async createIdentity(body: unknown): Promise<Result<JoinTokenResult>> {
    return resultOf(async () => {
      const input = parseRequest(createIdentitySchema, body);
      await this.lifecycle.ensureBootstrapped();
      return createIdentity(this.store, this.trustDomain(), input);
    });
  }

  async listIdentities(): Promise<Result<IdentityInfo[]>> {
    return resultOf(async () => this.store.identities().map(identityInfo));
  }

  async getIdentity(namespace: string, serviceAccount: string): Promise<Result<IdentityInfo>> {
    return resultOf(async () => identityInfo(requireIdentity(this.store, this.trustDomain(), namespace, serviceAccount)));
  }

  /** Revokes an identity: issuance stops now; the bundle lists it so its tokens stop verifying. */
  async revokeIdentity(namespace: string, serviceAccount: string): Promise<Result<IdentityInfo>> {
    return resultOf(async () => revokeIdentity(this.store, this.trustDomain(), namespace, serviceAccount));
  }

  /** Issues another join token for an existing, unrevoked identity. */
  async createJoinToken(namespace: string, serviceAccount: string, body: unknown): Promise<Result<JoinTokenResult>> {
    return resultOf(async () => {
      const input = parseRequest(joinTokenSchema, body ?? {});
      return createJoinToken(this.store, this.trustDomain(), namespace, serviceAccount, input);
    });
  }

  /** Issues a JWT-SVID: `{audience, ttlSeconds?, publicKey?}` -> `{token, expiresAt, spiffeId}`. */
  async issueJwtSvid(attestation: Attestation, body: unknown): Promise<Result<JwtSvidResult>> {
    return resultOf(async () => {
      const attested = await attest(this.store, this.trustDomain(), attestation);
      const input = parseRequest(jwtSvidRequestSchema, body);
      const limits = { defaultTtl: JWT_DEFAULT_TTL, maxTtl: this.settings.jwtMaxTtlSeconds };
      return issueJwtSvid(this.store, attested, input, limits, () => this.lifecycle.jwtSigner(), this.recordedExp);
    });
  }

  /** Signs an X509-SVID for a PKCS#10 CSR (PEM or DER); returns the PEM chain, leaf first. */
  async issueX509Svid(attestation: Attestation, csrBytes: Uint8Array | string, ttlSeconds?: number): Promise<Result<{ chain: string; spiffeId: string; expiresAt: string }>> {
    return resultOf(async () => {
      const attested = await attest(this.store, this.trustDomain(), attestation);
      return issueX509Svid(this.store, attested, csrBytes, ttlSeconds ?? this.settings.x509TtlSeconds, () => this.lifecycle.caSigner());
    });
  }

  /** Signs a serving certificate for host names (the gateway's TLS listener; admin only): PEM chain, leaf first. */
  async issueServingCertificate(body: unknown): Promise<Result<{ chain: string; expiresAt: string }>> {
    return resultOf(async () => {
      const input = parseRequest(servingCertificateSchema, body);
      return issueServingCertificate(this.store, input, this.settings.x509TtlSeconds, () => this.lifecycle.caSigner());
    });
  }

  /** The SPIFFE bundle: x509-svid roots, jwt-svid keys, sequence, refresh hint, revoked IDs. */
  async trustBundle(): Promise<SpiffeBundleDocument> {
    await this.lifecycle.ensureBootstrapped();
    return this.bundle.current(this.trustDomain());
  }

  /** SPIFFE IDs whose credentials must no longer be accepted (for the config snapshot). */
  async revokedIdentities(): Promise<string[]> {
    return this.store.revoked();
  }

  /** Expiry and key-protection findings for `/v1/analyze` and metrics. */
  async findings(): Promise<CaFinding[]> {
    return caFindings(this.store, this.settings);
  }

  private describe(): CaInfo {
    return describeCa(this.store, this.settings, this.trustDomain());
  }

  /** Stored at bootstrap from this same value and never changed after: read once per object. */
  private trustDomain(): string {
    return (this.knownTrustDomain ??= trustDomainOf(this.store, this.env));
  }
}
