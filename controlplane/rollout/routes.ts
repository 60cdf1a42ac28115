// Rollout routes: GET with the controller's status, the actions (`{name}:promote`, ...),
// history and the per-tick canary/stable series. Create, update and delete are the generic
// resource routes (and /v1/apply), like every kind.
import type { Context } from "hono";
import { z } from "zod";
import type { Result } from "../../contracts/refusal.ts";
import type { Resource } from "../../resources/index.ts";
import type { RolloutStatus } from "./controller.ts";
import { rolloutController } from "./controller-stub.ts";
import type { RolloutAction } from "./decide.ts";
import { actorOf } from "../http/auth.ts";
import { meshControl, type ControlEnv } from "../env.ts";
import { MalformedRequestError, NotFoundError, unwrap } from "../http/errors.ts";
import type { Route } from "../http/route.ts";
import { errorBody, resourceBody } from "../http/schemas.ts";
import { InvalidWindowError, parseWindow } from "../telemetry/stats.ts";

const one = "/v1/namespaces/{namespace}/rollouts/{name}";
const errors = { 401: { description: "No valid token", schema: errorBody }, 403: { description: "Role too low", schema: errorBody } };
const ACTIONS: readonly RolloutAction[] = ["promote", "pause", "resume", "abort", "retry", "approve"];

const side = z.object({ requests: z.number(), errors: z.number(), successRate: z.number().nullable(), p50Ms: z.number().nullable(), p99Ms: z.number().nullable() });
const verdict = z.object({
  result: z.enum(["pass", "fail", "insufficient_data"]),
  reason: z.string(),
  window: z.object({ from: z.string(), to: z.string() }).optional(),
  canary: side,
  stable: side,
  checks: z.array(z.object({ name: z.string(), result: z.enum(["pass", "fail", "insufficient_data"]), value: z.number().nullable(), threshold: z.number() })),
  rollback: z.boolean().optional(),
});
const historyEntry = z.object({
  at: z.string(), stepIndex: z.number(), weight: z.number(), event: z.string(), phase: z.string(), message: z.string(),
  verdict: verdict.optional(), revision: z.number().optional(), actor: z.string().optional(), repeated: z.number().optional(),
});
const rolloutStatus = z
  .object({
    phase: z.enum(["Pending", "PreStage", "Mirroring", "Progressing", "WaitingApproval", "Paused", "Promoted", "RolledBack", "Aborted", "Failed"]),
    stepIndex: z.number(), weight: z.number(),
    steps: z.array(z.object({ weight: z.number(), approval: z.boolean(), minRequests: z.number(), minDuration: z.string().optional() })), failures: z.number(), message: z.string(), updatedAt: z.string(),
    history: z.array(historyEntry).describe("The latest 20 entries and each step's latest verdict, oldest first; `/history` lists every entry kept."),
    historyCount: z.number().describe("Entries kept in all (the latest 500), as `/history` lists them."),
  })
  .meta({ id: "RolloutStatus" });
const figures = z.object({ requests: z.number(), errors: z.number(), p50Ms: z.number().nullable(), p99Ms: z.number().nullable() });

function keyOf(c: Context<ControlEnv>) {
  // An action's parameter holds `name:verb`.
  return { kind: "Rollout", namespace: c.req.param("namespace")!, name: c.req.param("name")!.replace(/:\w+$/, "") };
}

async function stored(c: Context<ControlEnv>): Promise<Resource> {
  const key = keyOf(c);
  const resource = await meshControl(c.env).resource(key);
  if (!resource) throw new NotFoundError(`Rollout ${key.namespace}/${key.name} does not exist`);
  return resource;
}

function controllerOf(c: Context<ControlEnv>, resource: Resource) {
  const controller = rolloutController(c.env, resource.metadata.namespace, resource.metadata.name);
  if (!controller) throw new NotFoundError("this control plane runs no rollout controllers (no ROLLOUTS binding)");
  return controller;
}

/** The resource with its controller's status; `Pending` until the controller first ran. */
async function withStatus(c: Context<ControlEnv>, resource: Resource) {
  const status = (await rolloutController(c.env, resource.metadata.namespace, resource.metadata.name)?.status()) as RolloutStatus | null | undefined;
  return { ...resource, status: status ?? { phase: "Pending", stepIndex: -1, weight: 0, steps: [], failures: 0, message: "waiting for the controller", updatedAt: new Date().toISOString(), history: [], historyCount: 0 } };
}

const actionRoutes: Route[] = ACTIONS.map((action) => ({
  method: "post",
  path: `${one}:${action}`,
  summary: `${action[0]!.toUpperCase()}${action.slice(1)} a rollout; answers its status.`,
  tag: "rollouts",
  role: "editor",
  responses: {
    200: { description: "The status after the action", schema: rolloutStatus },
    404: { description: "No such rollout", schema: errorBody },
    409: { description: "`rollout_invalid_transition`: not allowed in the current phase", schema: errorBody },
    ...errors,
  },
  async handle(c) {
    const resource = await stored(c);
    const outcome = (await controllerOf(c, resource).action(action, actorOf(c.var.principal))) as Result<RolloutStatus>;
    return c.json(unwrap(outcome));
  },
}));

export const rolloutRoutes: Route[] = [
  {
    method: "get",
    path: "/v1/rollouts",
    summary: "List the Rollouts of every namespace, each with its status.",
    tag: "rollouts",
    role: "viewer",
    responses: { 200: { description: "The rollouts", schema: z.object({ items: z.array(resourceBody) }) }, ...errors },
    async handle(c) {
      const items = await meshControl(c.env).resources({ kind: "Rollout" });
      return c.json({ items: await Promise.all(items.map((r) => withStatus(c, r))) });
    },
  },
  {
    method: "get",
    path: "/v1/namespaces/{namespace}/rollouts",
    summary: "List the Rollouts of a namespace, each with its status.",
    tag: "rollouts",
    role: "viewer",
    responses: { 200: { description: "The rollouts", schema: z.object({ items: z.array(resourceBody) }) }, ...errors },
    async handle(c) {
      const items = await meshControl(c.env).resources({ kind: "Rollout", namespace: c.req.param("namespace") });
      return c.json({ items: await Promise.all(items.map((r) => withStatus(c, r))) });
    },
  },
  {
    method: "get",
    path: one,
    summary: "Read a Rollout with its status: phase, step, weight, failures, each step's latest verdict and the latest history.",
    tag: "rollouts",
    role: "viewer",
    responses: { 200: { description: "The rollout and `status`", schema: resourceBody }, 404: { description: "No such rollout", schema: errorBody }, ...errors },
    async handle(c) {
      return c.json(await withStatus(c, await stored(c)));
    },
  },
  {
    method: "get",
    path: `${one}/history`,
    summary: "A rollout's transitions and analyses (the latest 500), oldest first, each verdict with its numbers.",
    tag: "rollouts",
    role: "viewer",
    responses: { 200: { description: "History", schema: z.object({ items: z.array(historyEntry) }) }, 404: { description: "No such rollout", schema: errorBody }, ...errors },
    async handle(c) {
      const resource = await stored(c);
      return c.json({ items: await controllerOf(c, resource).history() });
    },
  },
  {
    method: "get",
    path: `${one}/series`,
    summary: "Canary and stable requests, errors and latency per analysis tick over a window, for charts.",
    tag: "rollouts",
    role: "viewer",
    query: { window: { schema: z.string().regex(/^\d+(s|m|h)$/), description: "Window like 30s, 5m, 1h (10s..1h); default 5m." } },
    responses: {
      200: { description: "Buckets, oldest first", schema: z.object({ buckets: z.array(z.object({ at: z.string(), canary: figures, stable: figures })) }) },
      400: { description: "Bad window", schema: errorBody },
      404: { description: "No such rollout", schema: errorBody },
      ...errors,
    },
    async handle(c) {
      let windowMs: number;
      try {
        windowMs = parseWindow(c.req.query("window"), "5m");
      } catch (error) {
        if (error instanceof InvalidWindowError) throw new MalformedRequestError(error.message, [{ path: "window", message: error.message }]);
        throw error;
      }
      const resource = await stored(c);
      return c.json({ buckets: await controllerOf(c, resource).series(windowMs) });
    },
  },
  ...actionRoutes,
];
