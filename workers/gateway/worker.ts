// The mesh's edge entry point: Istio's ingress gateway as a Worker.
import { outboundTelemetrySlots, type TelemetryEnv } from "../../dataplane/telemetry/layers.ts";
import { edgeSecurity, outboundSecurity } from "../../dataplane/security/index.ts";
import { IsolateState } from "../../dataplane/isolate.ts";
import { gatewayHandler } from "./gateway.ts";

// Built on the first request: the telemetry layers it holds depend on the env's vars.
let handle: ReturnType<typeof gatewayHandler> | undefined;

export default {
  fetch: (request, env, ctx) => {
    handle ??= gatewayHandler({ ...outboundTelemetrySlots(env as TelemetryEnv), ...outboundSecurity, edge: edgeSecurity }, new IsolateState());
    return handle(request, env as Record<string, unknown>, ctx);
  },
} satisfies ExportedHandler;
