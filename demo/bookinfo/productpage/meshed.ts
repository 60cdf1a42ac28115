// productpage as deployed in the mesh: Bookinfo's handler, unchanged, wrapped by withMesh
// (what `isthmus inject` generates). Identity is Bookinfo's service account.
import { withMesh } from "../../../workers/sidecar/with-mesh.ts";
import productpage from "./index.ts";
import type { ProductPageEnv } from "./upstreams.ts";

export default withMesh(productpage, (env: ProductPageEnv) => ({
  service: "productpage",
  version: env.SERVICE_VERSION,
  serviceAccount: "bookinfo-productpage",
}));
