// The standalone sidecar: the mesh's inbound stack in front of a service that cannot be
// wrapped, reached through the service binding UPSTREAM; and, as the named entrypoint
// MeshOutbound, the outbound stack for that service's own calls (bind it as MESH there).
import { WorkerEntrypoint } from "cloudflare:workers";
import type { ConfigEnv } from "../../dataplane/config/runtime.ts";
import { withHandlerHeader } from "../../dataplane/inbound/handler-request.ts";
import { requestConfig } from "../../dataplane/mesh-runtime.ts";
import { fetchedResponse } from "../../dataplane/mutable-response.ts";
import { meshClient } from "../../dataplane/outbound/client.ts";
import { outboundStack } from "../../dataplane/outbound/stack.ts";
import { outboundTelemetrySlots, type TelemetryEnv } from "../../dataplane/telemetry/layers.ts";
import { workload } from "../../dataplane/workload.ts";
import { getPeer, outboundSecurity, PEER_HEADER } from "../../dataplane/security/index.ts";
import { IsolateState } from "../../dataplane/isolate.ts";
import { meshedHandler, type MeshOptions } from "./with-mesh.ts";

/** The sidecar's vars: who the service behind it is. */
interface SidecarEnv extends ConfigEnv {
  UPSTREAM: Fetcher;
  ISTHMUS_SERVICE: string;
  ISTHMUS_NAMESPACE?: string;
  ISTHMUS_VERSION?: string;
  ISTHMUS_SERVICE_ACCOUNT?: string;
}

function optionsOf(env: SidecarEnv): MeshOptions {
  return {
    service: env.ISTHMUS_SERVICE,
    namespace: env.ISTHMUS_NAMESPACE,
    version: env.ISTHMUS_VERSION,
    serviceAccount: env.ISTHMUS_SERVICE_ACCOUNT,
    // The service is another Worker: its fetches are its own, reached through MeshOutbound.
    interceptFetch: false,
  };
}

/** The service behind the sidecar learns its verified caller from a header only the sidecar can set. */
function withPeerHeader(request: Request): Request {
  const principal = getPeer(request)?.principal;
  if (!principal) return request;
  return withHandlerHeader(request, PEER_HEADER, principal);
}

// The service's answer comes over a binding (immutable headers): the mesh copies it once without probing.
// One state for both entrypoints: they share the isolate's snapshot cache, telemetry and identity (credentials, sessions).
const isolate = new IsolateState();

export default meshedHandler<SidecarEnv>({ fetch: (request, env) => env.UPSTREAM.fetch(withPeerHeader(request)).then(fetchedResponse) }, optionsOf, isolate);

// Built on the first call: the telemetry layers it holds depend on the env's vars.
let outbound: ReturnType<typeof outboundStack> | undefined;

/** Outbound for the service behind this sidecar: `env.MESH.fetch("http://ratings/...")` there. */
export class MeshOutbound extends WorkerEntrypoint<SidecarEnv> {
  async fetch(request: Request): Promise<Response> {
    const config = await requestConfig(isolate, this.env, this.ctx);
    if (config instanceof Response) return config;
    outbound ??= outboundStack({ ...outboundTelemetrySlots(this.env as unknown as TelemetryEnv), ...outboundSecurity });
    const client = meshClient(outbound, {
      mesh: config.compiled,
      isolate,
      env: this.env as unknown as Record<string, unknown>,
      waitUntil: (promise) => this.ctx.waitUntil(promise),
      source: workload(optionsOf(this.env)),
    });
    return client.fetch(request);
  }
}
