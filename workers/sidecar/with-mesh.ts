import { stampSnapshot } from "../../dataplane/config/stamp.ts";
import type { ConfigEnv } from "../../dataplane/config/runtime.ts";
import type { InboundCall } from "../../dataplane/inbound/call.ts";
import { inboundStack, type InboundSlots } from "../../dataplane/inbound/stack.ts";
import { IsolateState } from "../../dataplane/isolate.ts";
import { requestConfig } from "../../dataplane/mesh-runtime.ts";
import { meshClient, type MeshClient } from "../../dataplane/outbound/client.ts";
import { outboundStack, type OutboundSlots } from "../../dataplane/outbound/stack.ts";
import { bindPeer, inboundSecurity, outboundSecurity } from "../../dataplane/security/index.ts";
import { inboundTelemetrySlots, outboundTelemetrySlots, type TelemetryEnv } from "../../dataplane/telemetry/layers.ts";
import { workload, type Workload } from "../../dataplane/workload.ts";
import { interceptGlobalFetch, withRequestClient } from "./intercept.ts";

/** The verified caller of a request the wrapped handler received (SPIFFE ID, namespace, end user). */
export { getPeer } from "../../dataplane/security/index.ts";

/** Who the wrapped service is, and how its mesh behaves. */
export interface MeshOptions {
  /** Service name (Istio's `app`), e.g. `reviews`. */
  service: string;
  /** Namespace, default `default`. */
  namespace?: string;
  /** Version label, e.g. `v2`. */
  version?: string;
  /** Extra workload labels (`app` and `version` are set from the above). */
  labels?: Record<string, string>;
  /** Defaults to the service name. */
  serviceAccount?: string;
  /** Snapshot revalidation interval in ms (default: env ISTHMUS_REFRESH_MS, else 1000). */
  refreshMs?: number;
  /**
   * Send the handler's own global `fetch` calls to mesh hosts through the mesh, so unchanged
   * code (`fetch("http://reviews:9080/...")`) is meshed. Default true.
   */
  interceptFetch?: boolean;
  /** Security and telemetry layers for the inbound stack. */
  inbound?: InboundSlots;
  /** Security and telemetry layers for the outbound stack (`env.MESH.fetch`). */
  outbound?: OutboundSlots;
}

/**
 * Answered by the mesh itself, before any layer (not authenticated, not counted), as
 * Envoy's `/healthz/ready`: 204 once the isolate holds a snapshot, else the mesh's 503.
 * Readiness checks probe it instead of a service path, which STRICT would refuse (and count
 * as an authentication failure).
 */
export const MESH_READY_PATH = "/.well-known/isthmus/ready";

/** The env a wrapped handler receives: its own bindings plus `MESH`. */
export type MeshedEnv<E> = E & { MESH: MeshClient };

/**
 * Wraps a service Worker's fetch handler in the mesh, in the same isolate (no extra hop):
 * every request passes the inbound stack (authentication, authorization, telemetry) before
 * the handler, and the handler reaches other services with `env.MESH.fetch(url, init)`
 * (or plain `fetch` to a mesh host, see `interceptFetch`). Options may depend on env, for
 * Workers configured by vars.
 */
export function withMesh<E>(handler: ExportedHandler<E>, options: MeshOptions | ((env: E) => MeshOptions)): ExportedHandler<E> {
  return meshedHandler(handler, options, new IsolateState());
}

/** withMesh with the isolate's state given: for an entrypoint module that serves more than this handler (the sidecar). */
export function meshedHandler<E>(handler: ExportedHandler<E>, options: MeshOptions | ((env: E) => MeshOptions), isolate: IsolateState): ExportedHandler<E> {
  let built:
    | { workload: Workload; options: MeshOptions; intercept: boolean; inbound: (request: Request, call: InboundCall) => Promise<Response>; outbound: ReturnType<typeof outboundStack> }
    | undefined;

  const build = (env: E) => {
    const resolved = typeof options === "function" ? options(env) : options;
    const self = workload(resolved);
    const inbound = inboundStack(
      (request, call) => {
        const { client, ctx } = perRequest.get(call)!;
        bindPeer(request, call.peer);
        const meshed = { ...(call.env as E), MESH: client } as MeshedEnv<E>;
        return Promise.resolve(handler.fetch!(request as Request<unknown, IncomingRequestCfProperties>, meshed, ctx));
      },
      { ...inboundTelemetrySlots(env as TelemetryEnv), ...inboundSecurity, ...resolved.inbound },
    );
    const intercept = resolved.interceptFetch !== false;
    if (intercept) interceptGlobalFetch();
    return { workload: self, options: resolved, intercept, inbound, outbound: outboundStack({ ...outboundTelemetrySlots(env as TelemetryEnv), ...outboundSecurity, ...resolved.outbound }) };
  };
  // The handler at the end of the inbound stack needs this request's client and context.
  const perRequest = new WeakMap<InboundCall, { client: MeshClient; ctx: ExecutionContext }>();

  const serve = (request: Request, env: E, ctx: ExecutionContext, config: Awaited<ReturnType<typeof requestConfig>>): Promise<Response> => {
    if (config instanceof Response) return Promise.resolve(config);
    const { inbound, intercept, workload: self } = built!;
    const bindings = env as Record<string, unknown>;
    const waitUntil = (promise: Promise<unknown>) => ctx.waitUntil(promise);
    const client = meshClient(built!.outbound, { mesh: config.compiled, isolate, env: bindings, waitUntil, source: self });
    const call: InboundCall = {
      mesh: config.compiled,
      isolate,
      env: bindings,
      waitUntil,
      workload: self,
      flags: [],
      peer: {},
      securityPolicy: "none",
    };
    perRequest.set(call, { client, ctx });
    // env.MESH already knows its request; only plain fetch needs the request-bound client.
    const response = intercept ? withRequestClient(client, () => inbound(request, call)) : inbound(request, call);
    return response.then((answer) => stampSnapshot(answer, config.snapshot.version, config.stale));
  };

  return {
    ...handler,
    fetch(request, env, ctx) {
      built ??= build(env);
      const config = requestConfig(isolate, env as ConfigEnv, ctx, built.options.refreshMs);
      if (request.url.endsWith(MESH_READY_PATH) && request.method === "GET") return Promise.resolve(config).then(readiness);
      // The config is at hand once the isolate has one: nothing to wait on before the stack.
      return config instanceof Promise ? config.then((ready) => serve(request, env, ctx, ready)) : serve(request, env, ctx, config);
    },
  };
}

function readiness(config: Awaited<ReturnType<typeof requestConfig>>): Response {
  return config instanceof Response ? config : new Response(null, { status: 204 });
}
