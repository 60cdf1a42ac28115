// Bodies of the CA's operations, one zod schema each. Requests are validated where they
// are used (the CA Durable Object), whether they arrive over REST or Workers RPC; the REST
// layer's OpenAPI document is generated from the same schemas.
import { z } from "zod";

const name = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9._-]+$/, "may only contain letters, digits, '.', '-' and '_'")
  .refine((s) => s !== "." && s !== "..", "must not be '.' or '..'");

const joinTokenOptions = {
  /** Lifetime of the join token; none = until revoked. */
  ttlSeconds: z.number().int().min(1).max(365 * 86_400).optional(),
  /** The token works for one exchange only. */
  singleUse: z.boolean().optional(),
};

export const createIdentitySchema = z.strictObject({
  namespace: name,
  serviceAccount: name,
  ...joinTokenOptions,
});
export type CreateIdentityRequest = z.infer<typeof createIdentitySchema>;

export const joinTokenSchema = z.strictObject(joinTokenOptions);
export type JoinTokenRequest = z.infer<typeof joinTokenSchema>;

const audience = z.string().min(1).max(2048);

export const jwtSvidRequestSchema = z.strictObject({
  audience: z.union([audience, z.array(audience).min(1).max(10)]),
  ttlSeconds: z.number().int().min(10).optional(),
  /** Public JWK of the workload's own key; its thumbprint goes into `cnf.jkt`. */
  publicKey: z.looseObject({ kty: z.enum(["EC", "RSA", "OKP"]) }).optional(),
});
export type JwtSvidRequest = z.infer<typeof jwtSvidRequestSchema>;

export const rotateSchema = z.strictObject({ what: z.enum(["jwt", "root"]) });

const pem = z.string().min(1).max(64 * 1024);
export const operatorRootSchema = z.strictObject({ certificate: pem, privateKey: pem });
export const operatorIntermediateSchema = z.strictObject({
  certificate: pem,
  privateKey: pem,
  rootCertificate: pem,
});

// ---- responses ----

const finding = z.object({
  code: z.enum(["ca_expiring", "ca_expired", "ca_wrapping_key_generated"]),
  severity: z.enum(["error", "warning"]),
  message: z.string(),
});
export type CaFinding = z.infer<typeof finding>;

export const caInfoSchema = z
  .object({
    trustDomain: z.string(),
    bootstrapped: z.boolean(),
    /** "secret": sealed under ISTHMUS_CA_WRAPPING_KEY; "generated-dev-key": an insecure local key. */
    keyProtection: z.enum(["secret", "generated-dev-key"]),
    bundleSequence: z.number(),
    authorities: z.array(
      z.object({
        role: z.enum(["root", "intermediate"]),
        source: z.enum(["generated", "operator"]),
        subject: z.string(),
        notAfter: z.string(),
        secondsToExpiry: z.number(),
        state: z.enum(["active", "retiring"]),
        retireAt: z.string().nullable(),
        issuing: z.boolean(),
      }),
    ),
    jwtKeys: z.array(
      z.object({ kid: z.string(), state: z.enum(["active", "retiring"]), createdAt: z.string(), retireAt: z.string().nullable() }),
    ),
    jwtRotation: z.object({ periodSeconds: z.number(), nextRotationAt: z.string().nullable() }),
    settings: z.object({
      jwtDefaultTtlSeconds: z.number(),
      jwtMaxTtlSeconds: z.number(),
      x509TtlSeconds: z.number(),
      expiryWarningDays: z.number(),
    }),
    revoked: z.array(z.string()),
    /** Credentials issued since the CA was created, by kind. */
    issued: z.object({ "jwt-svid": z.number(), "x509-svid": z.number() }),
    findings: z.array(finding),
  })
  .meta({ id: "CertificateAuthority" });
export type CaInfo = z.infer<typeof caInfoSchema>;

export const identitySchema = z
  .object({
    spiffeId: z.string(),
    namespace: z.string(),
    serviceAccount: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    attestation: z.enum(["join-token", "binding"]),
    activeJoinTokens: z.number(),
    /** When a JWT-SVID or X509-SVID was last issued to it, if ever. */
    lastIssuedAt: z.string().nullable(),
  })
  .meta({ id: "WorkloadIdentity" });
export type IdentityInfo = z.infer<typeof identitySchema>;

export const joinTokenResultSchema = z
  .object({ spiffeId: z.string(), joinToken: z.string(), expiresAt: z.string().nullable(), singleUse: z.boolean() })
  .meta({ id: "JoinToken" });
export type JoinTokenResult = z.infer<typeof joinTokenResultSchema>;

export const jwtSvidResultSchema = z
  .object({ token: z.string(), expiresAt: z.string(), spiffeId: z.string() })
  .meta({ id: "JwtSvid" });
export type JwtSvidResult = z.infer<typeof jwtSvidResultSchema>;
