import { z } from "zod";
import { Duration, NonEmptyString, WorkloadSelector, unsupported } from "./fields.ts";
import { resourceOf } from "./resource.ts";

const JWTRule = z.strictObject({
  issuer: NonEmptyString,
  audiences: z.array(z.string()).optional(),
  jwksUri: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  jwks: z
    .string()
    .refine(
      (text) => {
        try {
          return Array.isArray(JSON.parse(text).keys);
        } catch {
          return false;
        }
      },
      { error: "must be a JSON Web Key Set: a JSON object with a keys array" },
    )
    .optional(),
  fromHeaders: z.array(z.strictObject({ name: NonEmptyString, prefix: z.string().optional() })).optional(),
  fromParams: z.array(NonEmptyString).optional(),
  fromCookies: z.array(NonEmptyString).optional(),
  outputPayloadToHeader: z.string().optional(),
  forwardOriginalToken: z.boolean().optional(),
  outputClaimToHeaders: z.array(z.strictObject({ header: NonEmptyString, claim: NonEmptyString })).optional(),
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

export const RequestAuthenticationResource = resourceOf("RequestAuthentication", RequestAuthenticationSpec.default({}));
/** An Istio RequestAuthentication: which end-user JWTs a workload accepts. */
export type RequestAuthentication = z.infer<typeof RequestAuthenticationResource>;
