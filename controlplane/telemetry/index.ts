// Telemetry routes of the control API: /metrics (Prometheus), /v1/stats and
// /v1/stats/edges (golden metrics), /v1/tap (live request summaries, SSE). Viewer role.
import { Hono, type Handler } from "hono";
import { z } from "zod";
import { parseDropLabels } from "../../contracts/telemetry/labels.ts";
import { MAX_TAP_SECONDS } from "./telemetry-object.ts";
import type { ControlEnv, Env } from "../env.ts";
import { MalformedRequestError } from "../http/errors.ts";
import type { Operation } from "../http/openapi/operation.ts";
import { mount, type Route } from "../http/route.ts";
import { errorBody } from "../http/schemas.ts";
import { collectMeshMetrics } from "./collect.ts";
import { collectControlPlaneMetrics } from "./control-plane-metrics.ts";
import { collectRolloutMetrics } from "../rollout/metrics.ts";
import { Exposition, EXPOSITION_CONTENT_TYPE } from "./exposition.ts";
import { META, shardStub, type TelemetryNamespace } from "./shards.ts";
import { edgeStats, InvalidWindowError, parseWindow } from "./stats.ts";
import { readServiceStats, windowStart } from "./stats-window.ts";
import { seriesStore } from "./store.ts";

function telemetry(env: Env): TelemetryNamespace {
  return env.TELEMETRY as unknown as TelemetryNamespace;
}

function windowOf(text: string | undefined): number {
  try {
    return parseWindow(text);
  } catch (error) {
    if (error instanceof InvalidWindowError) throw new MalformedRequestError(error.message, [{ path: "window", message: error.message }]);
    throw error;
  }
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new MalformedRequestError(`query parameter ${name} is required`, [{ path: name, message: "required" }]);
  return value;
}

const metrics: Handler<ControlEnv> = async (c) => {
  const out = new Exposition();
  const up = await collectMeshMetrics(c.env, parseDropLabels(c.env.ISTHMUS_DROP_LABELS), out);
  await collectControlPlaneMetrics(c.env, out, up);
  await collectRolloutMetrics(c.env, out);
  return c.body(out.text(), 200, { "content-type": EXPOSITION_CONTENT_TYPE });
};

const stats: Handler<ControlEnv> = async (c) => {
  const service = required(c.req.query("service"), "service");
  const namespace = c.req.query("namespace") ?? "default";
  const versions = await readServiceStats(seriesStore(c.env), { service, namespace }, windowOf(c.req.query("window")), Date.now());
  return c.json({ service, namespace, window: c.req.query("window") ?? "1m", versions });
};

const edges: Handler<ControlEnv> = async (c) => {
  const windowMs = windowOf(c.req.query("window"));
  const now = Date.now();
  const since = windowStart(windowMs, now);
  const series = await seriesStore(c.env).window(since, undefined, now);
  return c.json({ window: c.req.query("window") ?? "1m", edges: edgeStats(series, (now - since) / 1000) });
};

const tap: Handler<ControlEnv> = async (c) => {
  const service = required(c.req.query("service"), "service");
  const namespace = c.req.query("namespace") ?? "default";
  const seconds = Number(c.req.query("seconds") ?? "30");
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TAP_SECONDS) {
    throw new MalformedRequestError(`seconds must be an integer 1..${MAX_TAP_SECONDS}`, [{ path: "seconds", message: "out of range" }]);
  }
  const target = `https://telemetry/tap?service=${encodeURIComponent(`${service}.${namespace}`)}&seconds=${seconds}`;
  return shardStub(telemetry(c.env), META).fetch(target);
};

const figures = z.object({
  requests: z.number(),
  rps: z.number(),
  successRate: z.number().nullable(),
  latencyMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
  reporter: z.string(),
});
const analyticsUnavailable = {
  description: "Series are in Analytics Engine and its SQL API is not configured (`analytics_unconfigured`, naming the settings) or failed (`analytics_query_failed`)",
  schema: errorBody,
};
const windowParam = { schema: z.string().regex(/^\d+(s|m|h)$/), description: "Window like 30s, 1m, 1h (10s..1h); default 1m." };

const routes: Route[] = [
  {
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics: Istio's standard request metrics from every data-plane reporter, plus control-plane figures.",
    tag: "telemetry",
    role: "viewer",
    handle: metrics,
    responses: { 200: { description: "Prometheus text exposition 0.0.4", contentType: EXPOSITION_CONTENT_TYPE } },
  },
  {
    method: "get",
    path: "/v1/stats",
    summary: "Golden metrics of one service per destination version: RPS, success rate, p50/p95/p99 latency.",
    tag: "telemetry",
    role: "viewer",
    handle: stats,
    query: {
      service: { schema: z.string(), description: "Service name, e.g. reviews.", required: true },
      namespace: { schema: z.string(), description: "Service namespace; default `default`." },
      window: windowParam,
    },
    responses: {
      200: {
        description: "Per-version figures",
        schema: z.object({
          service: z.string(),
          namespace: z.string(),
          window: z.string(),
          versions: z.array(figures.extend({ service: z.string(), namespace: z.string(), version: z.string() })),
        }),
      },
      503: analyticsUnavailable,
    },
  },
  {
    method: "get",
    path: "/v1/stats/edges",
    summary: "Service graph: who calls whom (source workload -> destination service and version) with golden metrics.",
    tag: "telemetry",
    role: "viewer",
    handle: edges,
    query: { window: windowParam },
    responses: {
      200: {
        description: "Edges",
        schema: z.object({
          window: z.string(),
          edges: z.array(
            figures.extend({
              source: z.object({ workload: z.string(), namespace: z.string() }),
              destination: z.object({ service: z.string(), namespace: z.string(), version: z.string() }),
            }),
          ),
        }),
      },
      503: analyticsUnavailable,
    },
  },
  {
    method: "get",
    path: "/v1/tap",
    summary:
      "Live request summaries of a service as server-sent events for a bounded time. Isolates learn of the tap at their next telemetry flush (up to ~5 s), then send summaries about every second.",
    tag: "telemetry",
    role: "viewer",
    handle: tap,
    query: {
      service: { schema: z.string(), description: "Service name, e.g. reviews.", required: true },
      namespace: { schema: z.string(), description: "Service namespace; default `default`." },
      seconds: { schema: z.string(), description: `How long to stream, 1..${MAX_TAP_SECONDS}; default 30.` },
    },
    responses: { 200: { description: "SSE stream: events start, request (JSON summary), end", contentType: "text/event-stream" } },
  },
];

/** Mounted by the control API app at "/". */
export const telemetryRoutes = new Hono<ControlEnv>();
for (const route of routes) mount(telemetryRoutes, route);

/** For /openapi.json (handlers stripped). */
export const telemetryOperations: Operation[] = routes.map(({ handle: _handle, ...operation }) => operation);
