import { z } from "zod";
import { snapshotSchema, type Snapshot } from "../../snapshot/schema.ts";
import { meshControl } from "../env.ts";
import type { Route } from "../route.ts";
import { errorBody } from "../schemas.ts";
import { integerOf } from "./query.ts";

export const snapshotRoutes: Route[] = [
  {
    method: "get",
    path: "/v1/snapshot",
    summary:
      "The compiled configuration snapshot for data planes outside Workers RPC. 304 when it is not newer than `since` " +
      "or matches If-None-Match (ETag = content hash).",
    tag: "snapshot",
    role: "viewer",
    alsoAllow: ["dataplane"],
    query: { since: { schema: z.string(), description: "Version the caller has; answer only if newer." } },
    responses: {
      200: { description: "The snapshot", schema: snapshotSchema },
      304: { description: "Not newer" },
      401: { description: "No valid token", schema: errorBody },
    },
    async handle(c) {
      const snapshot = (await meshControl(c.env).snapshot(integerOf(c, "since"))) as Snapshot | null;
      if (!snapshot) return c.body(null, 304);
      const etag = `"${snapshot.hash}"`;
      const headers = { etag, "x-isthmus-snapshot": String(snapshot.version), "cache-control": "no-cache" };
      if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
      return c.json(snapshot, 200, headers);
    },
  },
];
