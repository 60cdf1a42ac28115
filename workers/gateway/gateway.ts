import { stampSnapshot } from "../../dataplane/config/stamp.ts";
import type { ConfigEnv } from "../../dataplane/config/runtime.ts";
import { IsolateState } from "../../dataplane/isolate.ts";
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
export interface GatewaySlots extends Omit<OutboundSlots, "front" | "beforeRoute" | "afterRoute"> {
  /** Edge authentication and authorization, after identity headers are stripped. */
  edge?: OutboundLayer[];
}

/**
 * The gateway's fetch handler: the outbound stack with the edge in front (normalize the host
 * and strip forged identity in one pass, normalize the path, select Gateway servers, edge
 * security) and CORS after route match, in one stack with one mesh error layer. Every
 * response says which snapshot routed it. `isolate` is what the handler keeps across requests:
 * one per isolate (the Worker builds the handler once).
 */
export function gatewayHandler(slots: GatewaySlots = {}, isolate = new IsolateState()) {
  const { edge: edgeLayers, ...outbound } = slots;
  const edge = outboundStack({
    ...outbound,
    // The request's form first (host, stripped headers): a host that cannot be read would break every layer after it.
    front: [edgeRequestForm],
    beforeRoute: [normalizeInboundPath, selectGatewayServers, ...(edgeLayers ?? [])],
    afterRoute: [cors],
  });
  const serve = (request: Request, env: ConfigEnv & Record<string, unknown>, ctx: ExecutionContext, config: Awaited<ReturnType<typeof requestConfig>>): Promise<Response> => {
    if (config instanceof Response) return Promise.resolve(config);
    const call: OutboundCall = {
      mesh: config.compiled,
      isolate,
      env,
      waitUntil: (promise) => ctx.waitUntil(promise),
      source: GATEWAY_WORKLOAD,
      scopes: [],
      flags: [],
      attempts: 0,
    };
    return edge(request, call).then((response) => stampSnapshot(response, config.snapshot.version, config.stale));
  };
  // The config is at hand once the isolate has one: nothing to wait on before the stack.
  return (request: Request, env: ConfigEnv & Record<string, unknown>, ctx: ExecutionContext): Promise<Response> => {
    const config = requestConfig(isolate, env, ctx);
    return config instanceof Promise ? config.then((ready) => serve(request, env, ctx, ready)) : serve(request, env, ctx, config);
  };
}
