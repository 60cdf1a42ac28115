// ratings as deployed in the mesh: Bookinfo's handler, unchanged, wrapped by withMesh
// (what `isthmus inject` generates).
import { withMesh } from "../../../workers/sidecar/with-mesh.ts";
import ratings from "./index.ts";
import type { PodEnv } from "../pod.ts";

export default withMesh(ratings, (env: PodEnv) => ({
  service: "ratings",
  version: env.SERVICE_VERSION,
  serviceAccount: "bookinfo-ratings",
}));
