import type { CaFinding } from "../../identity/ca/api.ts";
import type { Finding } from "../../resources/index.ts";
import { certificateAuthority } from "../ca/index.ts";
import { meshControl } from "../env.ts";
import type { Route } from "../route.ts";
import { errorBody, findingList } from "../schemas.ts";

export const analyzeRoutes: Route[] = [
  {
    method: "get",
    path: "/v1/analyze",
    summary: "Cross-resource findings over the stored configuration (weights, missing subsets and hosts, host conflicts, regexes RE2 refuses), plus the CA's expiry warnings.",
    tag: "resources",
    role: "viewer",
    responses: { 200: { description: "Findings", schema: findingList }, 401: { description: "No valid token", schema: errorBody } },
    async handle(c) {
      const findings: Array<Finding | CaFinding> = await meshControl(c.env).findings();
      // The CA's expiry and key-protection findings belong to no resource.
      if (c.env.CA) findings.push(...(await certificateAuthority(c.env).findings()));
      return c.json({ findings });
    },
  },
];
