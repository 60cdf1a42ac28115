import { z } from "zod";
import { snapshotSchema, type Snapshot } from "../../../contracts/snapshot/schema.ts";
import { meshControl } from "../../env.ts";
import type { Route } from "../../http/route.ts";
import { errorBody } from "../../http/schemas.ts";
import { MalformedRequestError } from "../../http/errors.ts";
import { snapshotStampSchema, type SnapshotStamp } from "../../../contracts/snapshot/stamp.ts";
import { InvalidSinceError, formatSince, parseSince } from "../../../contracts/snapshot/since.ts";
import { BINDINGS_HEADER } from "../../../contracts/snapshot/binding-report.ts";
import { headerReport, reportOf } from "../binding-reports.ts";

export const snapshotRoutes: Route[] = [
  {
    method: "get",
    path: "/v1/snapshot",
    summary:
      "The compiled configuration snapshot for data planes outside Workers RPC. 304 when it is not newer than `since` " +
      "(`<epoch>:<version>`, or a bare version) or matches If-None-Match (ETag = content hash). A `since` of another " +
      "epoch (the control plane's state was wiped since) always gets the snapshot.",
    tag: "snapshot",
    role: "viewer",
    alsoAllow: ["dataplane"],
    query: { since: { schema: z.string(), description: "`<epoch>:<version>` (or a bare version) the caller has; answer only if newer." } },
    responses: {
      200: { description: "The snapshot", schema: snapshotSchema },
      304: { description: "Not newer" },
      401: { description: "No valid token", schema: errorBody },
    },
    async handle(c) {
      // A dataplane token's workload vouches for the binding names its pull may carry.
      const principal = c.var.principal;
      const report = reportOf(principal.role === "dataplane" ? principal.identity : null, headerReport(c.req.header(BINDINGS_HEADER)));
      if (report) c.executionCtx.waitUntil(meshControl(c.env).reportBindings(report.identity, report.bindings));
      const snapshot = (await meshControl(c.env).snapshot(sinceOf(c.req.query("since")))) as Snapshot | null;
      if (!snapshot) return c.body(null, 304);
      const etag = `"${snapshot.hash}"`;
      const headers = {
        etag,
        "x-isthmus-snapshot": String(snapshot.version),
        ...(snapshot.epoch ? { "x-isthmus-snapshot-epoch": snapshot.epoch } : {}),
        "cache-control": "no-cache",
      };
      if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
      return c.json(snapshot, 200, headers);
    },
  },
  {
    method: "get",
    path: "/v1/snapshot/stamp",
    summary:
      "The current snapshot's epoch, version and content hash, without the snapshot: what data planes sharing config " +
      "per location compare every few hundred ms, fetching the snapshot (immutable, by hash) only when the stamp moves.",
    tag: "snapshot",
    role: "viewer",
    alsoAllow: ["dataplane"],
    responses: {
      200: { description: "The stamp", schema: snapshotStampSchema },
      401: { description: "No valid token", schema: errorBody },
    },
    async handle(c) {
      const stamp = (await meshControl(c.env).snapshotStamp()) as SnapshotStamp;
      return c.json(stamp, 200, { "cache-control": "no-cache" });
    },
  },
];

/** `since` checked here (400 when malformed) and passed on normalised. */
function sinceOf(value: string | undefined): string | null {
  try {
    const since = parseSince(value);
    return since && formatSince(since);
  } catch (error) {
    if (!(error instanceof InvalidSinceError)) throw error;
    throw new MalformedRequestError(error.message, [{ path: "since", message: "must be a version or <epoch>:<version>" }]);
  }
}
