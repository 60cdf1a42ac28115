import type { Context } from "hono";
import { z } from "zod";
import { InvalidLabelSelectorError, parseLabelSelector } from "../label-selector.ts";
import { kindByPlural, type KindInfo } from "../../../resources/index.ts";
import { actorOf } from "../../http/auth.ts";
import { readText, RESOURCE_CONTENT_TYPES } from "../../http/body.ts";
import { documentsOf, validateDocuments } from "../../http/documents.ts";
import { meshControl, type ControlEnv } from "../../env.ts";
import { InvalidResourceApiError, MalformedRequestError, NotFoundError, unwrap } from "../../http/errors.ts";
import type { Route } from "../../http/route.ts";
import { applyResult, deleteResult, errorBody, resourceBody, resourceList } from "../../http/schemas.ts";
import { dryRunOf } from "../../http/routes/query.ts";

const selectorQuery = {
  labelSelector: { schema: z.string(), description: "Kubernetes label selector, e.g. `app=reviews,version in (v1,v2)`." },
};
const one = "/v1/namespaces/{namespace}/{plural}/{name}";
const errors = { 401: { description: "No valid token", schema: errorBody }, 403: { description: "Role too low", schema: errorBody } };

function kindOf(c: Context<ControlEnv>): KindInfo {
  const info = kindByPlural(c.req.param("plural") ?? "");
  if (!info) throw new NotFoundError(`no resource type ${c.req.param("plural")}`);
  return info;
}

function selectorOf(c: Context<ControlEnv>) {
  try {
    return parseLabelSelector(c.req.query("labelSelector") ?? "");
  } catch (error) {
    if (error instanceof InvalidLabelSelectorError) throw new MalformedRequestError(error.message, [{ path: "labelSelector", message: error.message }]);
    throw error;
  }
}

export const resourceRoutes: Route[] = [
  {
    method: "get",
    path: "/v1/namespaces/{namespace}/{plural}",
    summary: "List resources of one kind in a namespace.",
    tag: "resources",
    role: "viewer",
    query: selectorQuery,
    responses: { 200: { description: "The resources", schema: resourceList }, 400: { description: "Bad selector", schema: errorBody }, ...errors },
    async handle(c) {
      const info = kindOf(c);
      const items = await meshControl(c.env).resources({ kind: info.kind, namespace: c.req.param("namespace"), selector: selectorOf(c) });
      return c.json({ items });
    },
  },
  {
    method: "get",
    path: "/v1/{plural}",
    summary: "List resources of one kind in every namespace.",
    tag: "resources",
    role: "viewer",
    query: selectorQuery,
    responses: { 200: { description: "The resources", schema: resourceList }, 400: { description: "Bad selector", schema: errorBody }, ...errors },
    async handle(c) {
      const info = kindOf(c);
      const items = await meshControl(c.env).resources({ kind: info.kind, selector: selectorOf(c) });
      return c.json({ items });
    },
  },
  {
    method: "get",
    path: one,
    summary: "Read one resource.",
    tag: "resources",
    role: "viewer",
    responses: { 200: { description: "The resource", schema: resourceBody }, 404: { description: "No such resource", schema: errorBody }, ...errors },
    async handle(c) {
      const info = kindOf(c);
      const key = { kind: info.kind, namespace: c.req.param("namespace")!, name: c.req.param("name")! };
      const resource = await meshControl(c.env).resource(key);
      if (!resource) throw new NotFoundError(`${info.kind} ${key.namespace}/${key.name} does not exist`);
      return c.json(resource);
    },
  },
  {
    method: "put",
    path: one,
    summary: "Create or update one resource (apply). With metadata.resourceVersion set, only if the stored resource is still at it.",
    tag: "resources",
    role: "editor",
    query: { dryRun: { schema: z.enum(["true", "false"]), description: "Validate and report without storing." } },
    body: { contentTypes: RESOURCE_CONTENT_TYPES, schema: resourceBody },
    responses: {
      200: { description: "Updated or unchanged", schema: applyResult },
      201: { description: "Created", schema: applyResult },
      400: { description: "Unparseable YAML/JSON, or not one document", schema: errorBody },
      409: { description: "Stale resourceVersion", schema: errorBody },
      413: { description: "Body over 1 MiB (`too_large`), or past a parser limit (`limit_exceeded`)", schema: errorBody },
      422: { description: "Invalid resource", schema: errorBody },
      ...errors,
    },
    async handle(c) {
      const info = kindOf(c);
      const namespace = c.req.param("namespace")!;
      const name = c.req.param("name")!;
      const documents = documentsOf(await readText(c.req.raw, RESOURCE_CONTENT_TYPES));
      if (documents.length !== 1) throw new MalformedRequestError(`PUT takes one document, got ${documents.length}`);
      const document = documents[0] as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
      checkMatches(document, info, namespace, name);
      const [resource] = validateDocuments([withPathNames(document, namespace, name)], namespace, () => "");
      const outcome = await meshControl(c.env).apply([resource!], { dryRun: dryRunOf(c), actor: actorOf(c.var.principal) });
      // One document: its field paths need no `documents[0].` prefix.
      if (!outcome.ok) for (const detail of outcome.refusal.details) detail.path = detail.path.replace(/^documents\[0\]\./, "");
      const result = unwrap(outcome);
      return c.json(result, result.resources[0]!.action === "created" && !result.dryRun ? 201 : 200);
    },
  },
  {
    method: "delete",
    path: one,
    summary: "Delete one resource; `?resourceVersion=` makes it conditional.",
    tag: "resources",
    role: "editor",
    query: {
      resourceVersion: { schema: z.string(), description: "Delete only if the stored resource is at this version." },
      dryRun: { schema: z.enum(["true", "false"]), description: "Report without deleting." },
    },
    responses: {
      200: { description: "Deleted", schema: deleteResult },
      404: { description: "No such resource", schema: errorBody },
      409: { description: "Stale resourceVersion", schema: errorBody },
      ...errors,
    },
    async handle(c) {
      const info = kindOf(c);
      const key = { kind: info.kind, namespace: c.req.param("namespace")!, name: c.req.param("name")! };
      const outcome = await meshControl(c.env).remove(key, {
        resourceVersion: c.req.query("resourceVersion"),
        actor: actorOf(c.var.principal),
        dryRun: dryRunOf(c),
      });
      return c.json(unwrap(outcome));
    },
  },
];

/** The body must name the kind of the path, and its name and namespace if it gives them. */
function checkMatches(document: { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }, info: KindInfo, namespace: string, name: string): void {
  const problems = [];
  if (typeof document !== "object" || document === null) throw new InvalidResourceApiError("the body is not a resource", [{ path: "", message: "must be an object" }]);
  if (document.kind !== info.kind) problems.push({ path: "kind", message: `must be ${info.kind} at /${info.plural}` });
  const meta = document.metadata;
  if (meta?.name !== undefined && meta.name !== name) problems.push({ path: "metadata.name", message: `must be ${name}, the name in the path` });
  if (meta?.namespace !== undefined && meta.namespace !== namespace) {
    problems.push({ path: "metadata.namespace", message: `must be ${namespace}, the namespace in the path` });
  }
  if (problems.length > 0) throw new InvalidResourceApiError("the body does not match the path", problems);
}

function withPathNames(document: { metadata?: object }, namespace: string, name: string): unknown {
  return { ...document, metadata: { name, namespace, ...(document.metadata ?? {}) } };
}
