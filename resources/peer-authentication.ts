import { z } from "zod";
import { WorkloadSelector } from "./fields.ts";
import { resourceOf } from "./resource.ts";

const MutualTLS = z.strictObject({ mode: z.enum(["UNSET", "DISABLE", "PERMISSIVE", "STRICT"]).optional() });

export const PeerAuthenticationSpec = z.strictObject({
  selector: WorkloadSelector.optional(),
  mtls: MutualTLS.optional(),
  portLevelMtls: z
    .record(z.string().regex(/^[1-9]\d{0,4}$/, "port keys must be port numbers"), MutualTLS)
    .optional(),
});

export const PeerAuthenticationResource = resourceOf("PeerAuthentication", PeerAuthenticationSpec.default({}));
/** An Istio PeerAuthentication: whether workloads require a mesh identity from their callers. */
export type PeerAuthentication = z.infer<typeof PeerAuthenticationResource>;
