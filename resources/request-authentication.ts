import { z } from "zod";
import { Duration, NonEmptyString, WorkloadSelector, unsupported } from "./fields.ts";
import { HttpToken, WritableHeaderName } from "./header-name.ts";
import { JsonWebKeySetText } from "./json-web-key-set.ts";
import { publicAddressesOnly } from "./private-address.ts";
import { resourceOf } from "./resource.ts";

const JWTRule = z.strictObject({
  issuer: NonEmptyString,
  audiences: z.array(z.string()).optional(),
  jwksUri: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  jwks: JsonWebKeySetText.optional(),
  // A token header is removed once verified: a write, so never a header the mesh owns (its credentials).
  fromHeaders: z.array(z.strictObject({ name: WritableHeaderName, prefix: z.string().optional() })).optional(),
  fromParams: z.array(NonEmptyString).optional(),
  fromCookies: z.array(HttpToken).optional(),
  outputPayloadToHeader: WritableHeaderName.optional(),
  forwardOriginalToken: z.boolean().optional(),
  outputClaimToHeaders: z.array(z.strictObject({ header: WritableHeaderName, claim: NonEmptyString })).optional(),
  timeout: Duration.optional(),
  spaceDelimitedClaims: unsupported("spaceDelimitedClaims", "claims are matched as the token carries them"),
});
export type JWTRule = z.infer<typeof JWTRule>;

export const RequestAuthenticationSpec = z.strictObject({
  selector: WorkloadSelector.optional(),
  jwtRules: z.array(JWTRule).optional(),
  targetRef: unsupported("targetRef", "select workloads with selector.matchLabels"),
  targetRefs: unsupported("targetRefs", "select workloads with selector.matchLabels"),
});

export const RequestAuthenticationResource = resourceOf("RequestAuthentication", RequestAuthenticationSpec.default({})).superRefine(
  publicAddressesOnly((resource) =>
    (resource.spec.jwtRules ?? []).flatMap((rule, i) => (rule.jwksUri ? [[["spec", "jwtRules", i, "jwksUri"], rule.jwksUri] as [(string | number)[], string]] : [])),
  ),
);
/** An Istio RequestAuthentication: which end-user JWTs a workload accepts. */
export type RequestAuthentication = z.infer<typeof RequestAuthenticationResource>;
