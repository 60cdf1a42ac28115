// The SPIFFE bundle document's schema, for the control plane's API description. The data
// plane checks bundles by hand (`parseTrustBundle`) so that it carries no schema library.
import { z } from "zod";

const jwkSchema = z.looseObject({
  kty: z.string(),
  use: z.string().optional(),
  kid: z.string().optional(),
  crv: z.string().optional(),
  x: z.string().optional(),
  y: z.string().optional(),
  alg: z.string().optional(),
  x5c: z.array(z.string()).optional(),
});

/** The bundle document as served at `GET /v1/trust-bundle` (one definition, used by both ends). */
export const spiffeBundleSchema = z.looseObject({
  keys: z.array(jwkSchema),
  spiffe_sequence: z.number().int().nonnegative().optional(),
  spiffe_refresh_hint: z.number().int().positive().optional(),
  trust_domain: z.string().optional(),
  revoked: z.array(z.string()).optional(),
});

export type SpiffeBundleDocument = z.infer<typeof spiffeBundleSchema>;
export type BundleJwk = z.infer<typeof jwkSchema>;
