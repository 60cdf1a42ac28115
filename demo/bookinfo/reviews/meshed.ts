// reviews as deployed in the mesh: Bookinfo's handler, unchanged, wrapped by withMesh
// (what `isthmus inject` generates). The version comes from the Worker's vars, so one
// entry serves v1, v2 and v3 (wrangler.v1.toml ... wrangler.v3.toml).
import { withMesh } from "../../../workers/sidecar/with-mesh.ts";
import reviews, { type ReviewsEnv } from "./index.ts";

export default withMesh(reviews, (env: ReviewsEnv) => ({
  service: "reviews",
  version: env.SERVICE_VERSION,
  serviceAccount: "bookinfo-reviews",
}));
