import { z } from "zod";
import { snapshotSchema, type Snapshot } from "../../snapshot/schema.ts";
import { meshControl } from "../env.ts";
import type { Route } from "../route.ts";
import { errorBody } from "../schemas.ts";
import { MalformedRequestError } from "../errors.ts";
import { InvalidSinceError, formatSince, parseSince } from "../../snapshot/since.ts";

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
