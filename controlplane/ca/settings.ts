// The CA's settings: wrangler.toml `[vars]` and secrets read once into numbers, and the
// trust domain (fixed in storage at bootstrap, so a later variable change cannot move it).
import { parseTrustDomain } from "../../identity/spiffe-id";
import type { CaStore } from "./store";

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

/** The CA's durations and key protection, each variable's default applied. */
export interface CaSettings {
  /** The operator's wrapping secret; absent: keys are sealed under a generated one (development). */
  wrappingSecret: string | undefined;
  jwtRotationSeconds: number;
  jwtMaxTtlSeconds: number;
  x509TtlSeconds: number;
  expiryWarningDays: number;
  bundleRefreshSeconds: number;
  skewMs: number;
}

/** Lifetime of a JWT-SVID when the request names none. */
export const JWT_DEFAULT_TTL = 300;

export function caSettings(env: CaEnv): CaSettings {
  return {
    wrappingSecret: env.ISTHMUS_CA_WRAPPING_KEY || undefined,
    jwtRotationSeconds: seconds(env.ISTHMUS_JWT_KEY_ROTATION_SECONDS, 86_400),
    jwtMaxTtlSeconds: seconds(env.ISTHMUS_JWT_MAX_TTL_SECONDS, 3_600),
    x509TtlSeconds: seconds(env.ISTHMUS_X509_TTL_SECONDS, 86_400),
    expiryWarningDays: seconds(env.ISTHMUS_CA_EXPIRY_WARNING_DAYS, 30),
    bundleRefreshSeconds: seconds(env.ISTHMUS_BUNDLE_REFRESH_SECONDS, 60),
    skewMs: seconds(env.ISTHMUS_CLOCK_SKEW_SECONDS, 30) * 1000,
  };
}

/** The stored trust domain, else the configured one (validated), else cluster.local. */
export function trustDomainOf(store: CaStore, env: CaEnv): string {
  return store.meta("trust_domain") ?? parseTrustDomain(env.ISTHMUS_TRUST_DOMAIN || "cluster.local");
}

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
