// The bench's trivial service wrapped with withMesh, as `isthmus inject` would wrap it.
import { withMesh } from "../../../workers/sidecar/with-mesh.ts";
import { echo, type EchoEnv } from "./echo.ts";

export default withMesh(echo, (env: EchoEnv & { NAMESPACE?: string }) => ({
  service: env.SERVICE ?? "echo",
  version: env.VERSION ?? "v1",
  namespace: env.NAMESPACE ?? "default",
}));
