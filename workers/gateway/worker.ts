// The mesh's edge entry point: Istio's ingress gateway as a Worker.
import { gatewayHandler } from "./gateway.ts";

const handle = gatewayHandler();

export default {
  fetch: (request, env, ctx) => handle(request, env as Record<string, unknown>, ctx),
} satisfies ExportedHandler;
