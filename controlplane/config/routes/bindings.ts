import { z } from "zod";
import { bindingReportSchema } from "../../../contracts/snapshot/binding-report.ts";
import { readJson } from "../../http/body.ts";
import { meshControl } from "../../env.ts";
import type { Route } from "../../http/route.ts";
import { errorBody } from "../../http/schemas.ts";

const identity = { namespace: z.string().min(1), serviceAccount: z.string().min(1) };

const bindingsRequest = z
  .object({
    workloads: z
      .array(z.object({ ...identity, bindings: bindingReportSchema.nullable() }).strict())
      .min(1)
      .max(100),
  })
  .strict();

const bindingPlan = z.object({
  ...identity,
  gateway: z.boolean(),
  bindings: bindingReportSchema.nullable().describe("The binding names it holds; null when it never reported them"),
  needs: z.array(
    z.object({
      binding: z.string(),
      kind: z.enum(["service", "dispatchNamespace"]),
      endpoint: z.string(),
      host: z.string(),
      resource: z.object({ kind: z.string(), namespace: z.string(), name: z.string() }),
      path: z.string(),
    }),
  ),
  missing: z.array(z.string()).describe("Needed binding names it does not hold (every needed one when it never reported)"),
});

const bindingPlans = z
  .object({
    workloads: z.array(bindingPlan),
    reportedAt: z.record(z.string(), z.string()).describe("When each namespace/serviceAccount last reported its bindings"),
  });

const errors = { 401: { description: "No valid token", schema: errorBody } };

export const bindingRoutes: Route[] = [
  {
    method: "get",
    path: "/v1/bindings",
    summary:
      "Per workload, the service bindings and dispatch namespaces its routes need and which it lacks: every binding set " +
      "data planes reported with their snapshot pulls in the last 5 minutes, and the gateway (routes bound to a Gateway " +
      "send its traffic). A sidecar is taken to call the hosts it holds a binding to one endpoint of.",
    tag: "registry",
    role: "viewer",
    responses: { 200: { description: "Binding plans", schema: bindingPlans }, ...errors },
    async handle(c) {
      return c.json(await meshControl(c.env).bindingPlans());
    },
  },
  {
    method: "post",
    path: "/v1/bindings",
    summary: "The same for the workloads given (e.g. read from wrangler configs before they deploy): what their routes need, what they lack.",
    tag: "registry",
    role: "viewer",
    body: { contentTypes: ["application/json"], schema: bindingsRequest },
    responses: { 200: { description: "Binding plans", schema: bindingPlans }, 400: { description: "Bad request", schema: errorBody }, ...errors },
    async handle(c) {
      const { workloads } = await readJson(c.req.raw, bindingsRequest);
      return c.json(await meshControl(c.env).bindingPlans(workloads));
    },
  },
];
