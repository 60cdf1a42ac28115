import { Hono } from "hono";
import { captureError } from "../../reporting/sentry.ts";
import { InvalidResourceError, MalformedDocumentError } from "../../resources/errors.ts";
import { caOperations, caRoutes } from "../ca/routes/index.ts";
import type { ControlEnv } from "../env.ts";
import { ApiError, InvalidResourceApiError, MalformedRequestError, NotFoundError } from "./errors.ts";
import { openApiDocument } from "./openapi/document.ts";
import type { Operation } from "./openapi/operation.ts";
import { mount, type Route } from "./route.ts";
import { analyzeRoutes } from "../config/routes/analyze.ts";
import { applyRoutes } from "../config/routes/apply.ts";
import { bindingRoutes } from "../config/routes/bindings.ts";
import { healthRoutes } from "./routes/health.ts";
import { registryRoutes } from "../config/routes/registry.ts";
import { resourceRoutes } from "../config/routes/resources.ts";
import { rolloutRoutes } from "../rollout/routes.ts";
import { revisionRoutes } from "../config/routes/revisions.ts";
import { snapshotRoutes } from "../config/routes/snapshot.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { MESH_VERSION, versionRoutes } from "./routes/version.ts";
import { namedSchemas } from "./schemas.ts";
import { telemetryOperations, telemetryRoutes } from "../telemetry/index.ts";
import { uiRoutes } from "./ui/index.ts";

const routes: Route[] = [
  ...healthRoutes,
  ...applyRoutes,
  // Before the generic resource routes: GET of a Rollout adds its controller's status.
  ...rolloutRoutes,
  ...resourceRoutes,
  ...analyzeRoutes,
  ...revisionRoutes,
  ...snapshotRoutes,
  ...registryRoutes,
  ...bindingRoutes,
  ...tokenRoutes,
  ...versionRoutes,
];

const openApiRoute: Operation = {
  method: "get",
  path: "/openapi.json",
  summary: "This document: OpenAPI 3.1 of every control API route.",
  tag: "meta",
  responses: { 200: { description: "OpenAPI document", contentType: "application/json" } },
};

/** Every operation the control API serves, for /openapi.json. */
export const operations: Operation[] = [...routes, openApiRoute, ...caOperations, ...telemetryOperations];

/** The control API: REST resources, history, snapshot, registry, tokens, CA and telemetry routes. */
export const app = new Hono<ControlEnv>();

for (const route of routes) mount(app, route);
app.route("/", caRoutes);
app.route("/", telemetryRoutes);
app.route("/", uiRoutes);

let document: ReturnType<typeof openApiDocument> | undefined;
app.get("/openapi.json", (c) => c.json((document ??= openApiDocument(operations, namedSchemas, { title: "Isthmus control API", version: MESH_VERSION }))));

app.notFound((c) => c.json(new NotFoundError(`no route for ${c.req.method} ${new URL(c.req.url).pathname}`).toJSON(), 404));

app.onError((error, c) => {
  const known = asApiError(error);
  if (known) return c.json(known.toJSON(), known.status);
  console.error("control API error", error);
  captureError(c.env, c.executionCtx, c.req.raw, error, { workload: "isthmus-control" });
  return c.json({ error: { code: "internal", message: "internal error", details: [] } }, 500);
});

function asApiError(error: Error): ApiError | null {
  if (error instanceof ApiError) return error;
  // The resource library's own errors, should one escape a handler unwrapped.
  if (error instanceof InvalidResourceError) return new InvalidResourceApiError(error.message, error.details);
  if (error instanceof MalformedDocumentError) return new MalformedRequestError(error.message, error.details);
  return null;
}
