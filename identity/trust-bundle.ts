// SPIFFE trust bundle: a JWK Set per standards/SPIFFE_Trust_Domain_and_Bundle.md, with
// `x509-svid` entries (CA certificate in x5c, no kid) and `jwt-svid` entries (kid set).
// Isthmus adds two extension members, allowed by the spec (section 4.1): `trust_domain`
// and `revoked` (SPIFFE IDs whose JWT-SVIDs must no longer verify).
import { arrayOf, integer, objectOf, optional, string } from "../resources/shape-check";
import { parseSpiffeId, parseTrustDomain } from "./spiffe-id";
import type { SpiffeBundleDocument } from "./trust-bundle-schema";

export type { BundleJwk, SpiffeBundleDocument } from "./trust-bundle-schema";

// `spiffeBundleSchema` (trust-bundle-schema.ts) checked by hand, member for member.
const bundleShape = objectOf({
  keys: arrayOf(
    objectOf({
      kty: string,
      use: optional(string),
      kid: optional(string),
      crv: optional(string),
      x: optional(string),
      y: optional(string),
      alg: optional(string),
      x5c: optional(arrayOf(string)),
    }),
  ),
  spiffe_sequence: optional(integer(0)),
  spiffe_refresh_hint: optional(integer(1)),
  trust_domain: optional(string),
  revoked: optional(arrayOf(string)),
});

/** A JWT-SVID signing key from the bundle (EC P-256, usable with ES256). */
export interface JwtAuthority {
  kid: string;
  jwk: { kty: "EC"; crv: "P-256"; x: string; y: string };
}

/** A validated trust bundle, ready for verification. */
export interface TrustBundle {
  trustDomain: string;
  sequence: number;
  refreshHintSeconds: number | null;
  jwtAuthorities: JwtAuthority[];
  /** CA certificates (base64 DER, from x5c[0]) that X509-SVIDs chain to. */
  x509Authorities: string[];
  revoked: string[];
}

/** Raised when a bundle document cannot be used at all. */
export class InvalidTrustBundleError extends Error {
  readonly code = "invalid_trust_bundle";
  constructor(message: string) {
    super(message);
    this.name = "InvalidTrustBundleError";
  }
}

/**
 * Parses a SPIFFE bundle document. Entries with an unknown kty or use, or missing the
 * members their use requires, are ignored as the spec demands; a jwt-svid key that is not
 * EC P-256 is ignored too, since JWT-SVIDs here are ES256 only. `trustDomain` is required
 * unless the document names it in its `trust_domain` member.
 */
export function parseTrustBundle(input: unknown, trustDomain?: string): TrustBundle {
  const issue = bundleShape(input, "");
  if (issue) throw new InvalidTrustBundleError(`trust bundle: ${issue.path}: ${issue.message}`);
  const doc = input as SpiffeBundleDocument;
  const domain = trustDomain ?? doc.trust_domain;
  if (!domain) throw new InvalidTrustBundleError("trust bundle does not name its trust domain");
  try {
    parseTrustDomain(domain);
  } catch (err) {
    throw new InvalidTrustBundleError(`trust bundle: ${(err as Error).message}`);
  }
  if (trustDomain && doc.trust_domain && doc.trust_domain !== trustDomain) {
    throw new InvalidTrustBundleError(
      `trust bundle is for "${doc.trust_domain}", expected "${trustDomain}"`,
    );
  }
  const jwtAuthorities: JwtAuthority[] = [];
  const x509Authorities: string[] = [];
  for (const key of doc.keys) {
    if (key.use === "jwt-svid" && key.kid && key.kty === "EC" && key.crv === "P-256" && key.x && key.y) {
      jwtAuthorities.push({ kid: key.kid, jwk: { kty: "EC", crv: "P-256", x: key.x, y: key.y } });
    } else if (key.use === "x509-svid" && key.x5c && key.x5c.length > 0) {
      x509Authorities.push(key.x5c[0]);
    }
  }
  const revoked = (doc.revoked ?? []).map((id) => {
    try {
      return parseSpiffeId(id).id;
    } catch (err) {
      throw new InvalidTrustBundleError(`trust bundle: revoked: ${(err as Error).message}`);
    }
  });
  return {
    trustDomain: domain,
    sequence: doc.spiffe_sequence ?? 0,
    refreshHintSeconds: doc.spiffe_refresh_hint ?? null,
    jwtAuthorities,
    x509Authorities,
    revoked,
  };
}

/** The bundle's X.509 authorities as one PEM string, e.g. for a TLS peer's `ca` option. */
export function x509AuthoritiesPem(bundle: TrustBundle): string {
  return bundle.x509Authorities.map(pemCertificate).join("");
}

/** Wraps base64 DER in a PEM CERTIFICATE block. */
export function pemCertificate(derBase64: string): string {
  const lines = derBase64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}
