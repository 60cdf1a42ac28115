import { z } from "zod";
import type { CaFinding } from "../../ca/api.ts";
import type { Finding } from "../../../resources/index.ts";
import { certificateAuthority } from "../../ca/routes/index.ts";
import { meshControl } from "../../env.ts";
import type { Route } from "../../http/route.ts";
import { errorBody, findingList } from "../../http/schemas.ts";

const analysis = findingList.extend({
  reachability: z.object({
    checkedWorkloads: z
      .array(z.string())
      .describe("`namespace/serviceAccount` of the workloads that reported their bindings lately: only their routes are judged for destination_unreachable"),
  }),
});

export const analyzeRoutes: Route[] = [
  {
    method: "get",
    path: "/v1/analyze",
    summary:
      "Cross-resource findings over the stored configuration (weights, missing subsets and hosts, host conflicts, regexes RE2 refuses), " +
      "routes to worker:// or dispatch:// endpoints a workload holds no binding for (destination_unreachable, judged only for workloads " +
      "that reported their bindings), plus the CA's expiry warnings.",
    tag: "resources",
    role: "viewer",
    responses: { 200: { description: "Findings", schema: analysis }, 401: { description: "No valid token", schema: errorBody } },
    async handle(c) {
      const findings: Array<Finding | CaFinding> = await meshControl(c.env).findings();
      // The CA's expiry and key-protection findings belong to no resource.
      if (c.env.CA) findings.push(...(await certificateAuthority(c.env).findings()));
      return c.json({ findings, reachability: { checkedWorkloads: await meshControl(c.env).bindingReporters() } });
    },
  },
];
