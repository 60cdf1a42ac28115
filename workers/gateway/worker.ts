// The mesh's edge entry point: Istio's ingress gateway as a Worker.
import { attemptTrace, outboundTelemetry } from "../../dataplane/telemetry/layers.ts";
import { edgeSecurity, outboundSecurity } from "../../dataplane/security/index.ts";
import { gatewayHandler } from "./gateway.ts";

const handle = gatewayHandler({ telemetry: outboundTelemetry, trace: attemptTrace, ...outboundSecurity, edge: edgeSecurity });

export default {
  fetch: (request, env, ctx) => handle(request, env as Record<string, unknown>, ctx),
} satisfies ExportedHandler;
