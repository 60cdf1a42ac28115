import { z } from "zod";
import { actorOf } from "../../http/auth.ts";
import { readText, RESOURCE_CONTENT_TYPES } from "../../http/body.ts";
import { documentsOf, validateDocuments } from "../../http/documents.ts";
import { meshControl } from "../../env.ts";
import { unwrap } from "../../http/errors.ts";
import type { Route } from "../../http/route.ts";
import { applyResult, errorBody } from "../../http/schemas.ts";
import { dryRunOf } from "../../http/routes/query.ts";

export const applyRoutes: Route[] = [
  {
    method: "post",
    path: "/v1/apply",
    summary:
      "Apply resources from YAML (multi-document) or JSON (object, array or List): all or nothing, one revision. " +
      "Each document is created, configured or unchanged; errors name the document and field (documents[2].spec.http[0]...).",
    tag: "resources",
    role: "editor",
    query: {
      dryRun: { schema: z.enum(["true", "false"]), description: "Validate and report without storing." },
      namespace: { schema: z.string(), description: "Namespace for documents that name none; default `default`." },
    },
    body: { contentTypes: RESOURCE_CONTENT_TYPES, schema: z.string(), description: "Istio resources as YAML or JSON" },
    responses: {
      200: { description: "What was (or would be) done to each resource, and analyzer findings", schema: applyResult },
      400: { description: "Unparseable YAML/JSON", schema: errorBody },
      401: { description: "No valid token", schema: errorBody },
      403: { description: "Role too low", schema: errorBody },
      409: { description: "Stale metadata.resourceVersion", schema: errorBody },
      413: { description: "Body over 1 MiB (`too_large`), or past a parser limit: nesting, aliases, documents, key length (`limit_exceeded`)", schema: errorBody },
      415: { description: "Not YAML or JSON", schema: errorBody },
      422: { description: "Invalid resources; nothing stored", schema: errorBody },
    },
    async handle(c) {
      const documents = documentsOf(await readText(c.req.raw, RESOURCE_CONTENT_TYPES));
      const resources = validateDocuments(documents, c.req.query("namespace") || "default");
      const outcome = await meshControl(c.env).apply(resources, { dryRun: dryRunOf(c), actor: actorOf(c.var.principal) });
      return c.json(unwrap(outcome));
    },
  },
];
