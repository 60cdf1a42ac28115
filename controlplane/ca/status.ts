// What the CA reports about itself: its state for GET /v1/ca and its findings (expiry, key
// protection) for /v1/analyze and metrics. Public material only.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import type { CaFinding, CaInfo } from "./api";
import { JWT_DEFAULT_TTL, type CaSettings } from "./settings";
import type { CaStore } from "./store";

x509.cryptoProvider.set(crypto);

/** Authorities, JWT keys, rotation, settings, revocations, issuance counts and findings. */
export function describeCa(store: CaStore, settings: CaSettings, trustDomain: string): CaInfo {
  const now = Date.now();
  const issuer = store.issuer();
  const active = store.activeJwtKey();
  const rotationMs = settings.jwtRotationSeconds * 1000;
  return {
    trustDomain,
    bootstrapped: !!issuer && !!active,
    keyProtection: settings.wrappingSecret ? "secret" : "generated-dev-key",
    bundleSequence: store.sequence(),
    authorities: store.authorities().map((a) => ({
      role: a.role,
      source: a.source,
      subject: new x509.X509Certificate(a.cert_pem).subject,
      notAfter: iso(a.not_after),
      secondsToExpiry: Math.floor((a.not_after - now) / 1000),
      state: a.state,
      retireAt: a.retire_at ? iso(a.retire_at) : null,
      issuing: a.id === issuer?.id,
    })),
    jwtKeys: store.jwtKeys().map((k) => ({ kid: k.kid, state: k.state, createdAt: iso(k.created_at), retireAt: k.retire_at ? iso(k.retire_at) : null })),
    jwtRotation: { periodSeconds: settings.jwtRotationSeconds, nextRotationAt: active ? iso(active.created_at + rotationMs) : null },
    settings: { jwtDefaultTtlSeconds: JWT_DEFAULT_TTL, jwtMaxTtlSeconds: settings.jwtMaxTtlSeconds, x509TtlSeconds: settings.x509TtlSeconds, expiryWarningDays: settings.expiryWarningDays },
    revoked: store.revoked(),
    issued: store.issuedByKind(),
    findings: caFindings(store, settings),
  };
}

/** A generated wrapping key, and active authorities expired or inside the warning window. */
export function caFindings(store: CaStore, settings: CaSettings): CaFinding[] {
  const findings: CaFinding[] = [];
  if (!settings.wrappingSecret) {
    findings.push({ code: "ca_wrapping_key_generated", severity: "warning", message: "ISTHMUS_CA_WRAPPING_KEY is not set: CA keys are sealed under a generated key stored beside them (development only)" });
  }
  const now = Date.now();
  for (const row of store.authorities().filter((a) => a.state === "active")) {
    const left = row.not_after - now;
    const what = `${row.source} ${row.role} ${new x509.X509Certificate(row.cert_pem).subject}`;
    if (left <= 0) findings.push({ code: "ca_expired", severity: "error", message: `${what} expired at ${iso(row.not_after)}` });
    else if (left < settings.expiryWarningDays * 86_400_000) {
      findings.push({ code: "ca_expiring", severity: "warning", message: `${what} expires at ${iso(row.not_after)}, in ${Math.ceil(left / 86_400_000)} days` });
    }
  }
  return findings;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
