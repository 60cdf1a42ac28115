import { meshControl } from "../env.ts";
import type { Route } from "../route.ts";
import { errorBody, findingList } from "../schemas.ts";

export const analyzeRoutes: Route[] = [
  {
    method: "get",
    path: "/v1/analyze",
    summary: "Cross-resource findings over the stored configuration (weights, missing subsets and hosts, host conflicts, unsafe regexes).",
    tag: "resources",
    role: "viewer",
    responses: { 200: { description: "Findings", schema: findingList }, 401: { description: "No valid token", schema: errorBody } },
    async handle(c) {
      return c.json({ findings: await meshControl(c.env).findings() });
    },
  },
];
