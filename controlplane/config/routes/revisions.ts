import { z } from "zod";
import { actorOf } from "../../http/auth.ts";
import { readJson } from "../../http/body.ts";
import { meshControl } from "../../env.ts";
import { MalformedRequestError, NotFoundError, unwrap } from "../../http/errors.ts";
import type { Route } from "../../http/route.ts";
import { errorBody, revisionDetail, revisionDiff, revisionList, rollbackRequest, rollbackResult } from "../../http/schemas.ts";
import { integerOf } from "../../http/routes/query.ts";

const unauthorized = { 401: { description: "No valid token", schema: errorBody } };

export const revisionRoutes: Route[] = [
  {
    method: "get",
    path: "/v1/revisions",
    summary: "Revision history, newest first.",
    tag: "history",
    role: "viewer",
    query: {
      limit: { schema: z.string(), description: "At most this many (1..500, default 50)." },
      before: { schema: z.string(), description: "Only revisions older than this number (paging)." },
    },
    responses: { 200: { description: "Revisions", schema: revisionList }, ...unauthorized },
    async handle(c) {
      const limit = integerOf(c, "limit") ?? 50;
      if (limit < 1 || limit > 500) throw new MalformedRequestError("limit must be 1..500", [{ path: "limit", message: "must be 1..500" }]);
      return c.json({ items: await meshControl(c.env).revisions({ limit, before: integerOf(c, "before") }) });
    },
  },
  {
    method: "get",
    path: "/v1/revisions/diff",
    summary: "Resource-level difference between two revisions (JSON Patch per changed resource); `to` defaults to the latest, 0 is the empty start.",
    tag: "history",
    role: "viewer",
    query: {
      from: { schema: z.string(), description: "Older revision number.", required: true },
      to: { schema: z.string(), description: "Newer revision number (default latest)." },
    },
    responses: { 200: { description: "Changes", schema: revisionDiff }, 404: { description: "No such revision", schema: errorBody }, ...unauthorized },
    async handle(c) {
      const from = integerOf(c, "from");
      if (from === undefined) throw new MalformedRequestError("from is required", [{ path: "from", message: "required" }]);
      return c.json(unwrap(await meshControl(c.env).diff(from, integerOf(c, "to"))));
    },
  },
  {
    method: "get",
    path: "/v1/revisions/{revision}",
    summary: "One revision with the content of every resource before and after it.",
    tag: "history",
    role: "viewer",
    responses: { 200: { description: "The revision", schema: revisionDetail }, 404: { description: "No such revision", schema: errorBody }, ...unauthorized },
    async handle(c) {
      const number = Number(c.req.param("revision"));
      const revision = await meshControl(c.env).revision(number);
      if (!revision) throw new NotFoundError(`revision ${number} does not exist`);
      return c.json(revision);
    },
  },
  {
    method: "post",
    path: "/v1/rollback",
    summary: "Restore every resource to its content after a revision; the rollback is itself a new revision.",
    tag: "history",
    role: "editor",
    body: { contentTypes: ["application/json"], schema: rollbackRequest },
    responses: {
      200: { description: "What changed (revision null when already there)", schema: rollbackResult },
      404: { description: "No such revision", schema: errorBody },
      ...unauthorized,
    },
    async handle(c) {
      const { revision } = await readJson(c.req.raw, rollbackRequest);
      return c.json(unwrap(await meshControl(c.env).rollback(revision, actorOf(c.var.principal))));
    },
  },
];
