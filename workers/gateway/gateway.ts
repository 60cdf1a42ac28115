import { stampSnapshot } from "../../dataplane/config/stamp.ts";
import type { ConfigEnv } from "../../dataplane/config/runtime.ts";
import { compose } from "../../dataplane/layer.ts";
import { meshErrorResponses } from "../../dataplane/errors-layer.ts";
import { requestConfig } from "../../dataplane/mesh-runtime.ts";
import { edgeRequestForm } from "../../dataplane/edge/front.ts";
import { selectGatewayServers } from "../../dataplane/edge/servers.ts";
import { normalizeInboundPath } from "../../dataplane/inbound/normalize.ts";
import type { OutboundCall, OutboundLayer } from "../../dataplane/outbound/call.ts";
import { cors } from "../../dataplane/outbound/cors.ts";
import { outboundStack, type OutboundSlots } from "../../dataplane/outbound/stack.ts";
import { workload, type Workload } from "../../dataplane/workload.ts";

/** The gateway's workload: Istio's ingress gateway, so Istio's ingress policies select it. */
export const GATEWAY_WORKLOAD: Workload = workload({
  service: "istio-ingressgateway",
  namespace: "istio-system",
  labels: { istio: "ingressgateway", app: "istio-ingressgateway" },
  serviceAccount: "istio-ingressgateway-service-account",
});

/** What the security and telemetry layers add at the edge (end-user JWT, authz, metrics). */
export interface GatewaySlots extends Omit<OutboundSlots, "afterRoute"> {
  /** Edge authentication and authorization, after identity headers are stripped. */
  edge?: OutboundLayer[];
}

/**
 * The gateway's fetch handler: edge front (normalize the host and strip forged identity in
 * one pass, normalize the path, select Gateway servers, edge security), then the outbound stack with CORS after route
 * match. Every response says which snapshot routed it.
 */
export function gatewayHandler(slots: GatewaySlots = {}) {
  const stack = outboundStack({ ...slots, telemetry: undefined, afterRoute: [cors] });
  const edge = compose<OutboundCall>(
    // The request's form first (host, stripped headers): a host that cannot be read would break every layer after it.
    [edgeRequestForm, ...(slots.telemetry ? [slots.telemetry] : []), meshErrorResponses(), normalizeInboundPath, selectGatewayServers, ...(slots.edge ?? [])],
    stack,
  );
  return async (request: Request, env: ConfigEnv & Record<string, unknown>, ctx: ExecutionContext): Promise<Response> => {
    const config = await requestConfig(env, ctx);
    if (config instanceof Response) return config;
    const call: OutboundCall = {
      mesh: config.compiled,
      env,
      waitUntil: (promise) => ctx.waitUntil(promise),
      source: GATEWAY_WORKLOAD,
      scopes: [],
      flags: [],
      attempts: 0,
    };
    const response = await edge(request, call);
    return stampSnapshot(response, config.snapshot.version, config.stale);
  };
}
