import type { OutboundHandler } from "./call.ts";
import { dispatchToEndpoint } from "./dispatch.ts";
import { upstreamRequest } from "./upstream-request.ts";

/**
 * The end of the outbound stack: sends the request to the endpoint chosen for this attempt,
 * with the destination's client certificate (`trafficPolicy.tls.credentialName` under
 * SIMPLE or MUTUAL) for origin endpoints. The attempt's header edits (identity, trace
 * context, source claim) go on here, in the attempt's one copy of the Request.
 */
export const dispatch: OutboundHandler = (request, call) => {
  if (!call.endpoint) throw new Error("dispatch reached without an endpoint");
  const destination = call.destination!;
  const tls = call.mesh.subset(destination.service, destination.subset, call.source.namespace)?.policy.tls;
  const certificate = tls?.mode === "MUTUAL" || tls?.mode === "SIMPLE" ? tls.credentialName : undefined;
  return dispatchToEndpoint(upstreamRequest(request, call), call.endpoint.address, call.env, certificate);
};
