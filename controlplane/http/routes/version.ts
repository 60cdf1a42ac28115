import { z } from "zod";
// The one definition of the mesh's version: the package's, bundled into the Worker.
import { version } from "../../../package.json";
import type { Route } from "../route.ts";
import { errorBody } from "../schemas.ts";

/** The control plane's release, as `isthmus version` shows it beside the CLI's. */
export const MESH_VERSION: string = version;

const versionBody = z.object({ version: z.string().describe("The control plane's release (semver), e.g. `0.1.0`.") });

export const versionRoutes: Route[] = [
  {
    method: "get",
    path: "/v1/version",
    summary: "The control plane's release, to compare with the CLI's and the data planes'.",
    tag: "meta",
    role: "viewer",
    alsoAllow: ["dataplane"],
    responses: { 200: { description: "Version", schema: versionBody }, 401: { description: "No valid token", schema: errorBody } },
    handle: (c) => c.json({ version: MESH_VERSION }),
  },
];
