import type { CompiledMesh } from "../config/compiled.ts";
import type { InboundLayer, Peer } from "../inbound/call.ts";
import { handlerRequest } from "../inbound/handler-request.ts";
import type { OutboundLayer } from "../outbound/call.ts";
import { requestUrl } from "../request-url.ts";
import { AuthzDeniedError } from "../traffic/mesh-error.ts";
import { authorize, type AuthorizationRequest } from "./authorization.ts";
import { edgePeer } from "./edge-peer.ts";
import { recordSecurityEvent } from "./events.ts";
import type { SecurityState } from "./security-state.ts";
import type { Workload } from "../workload.ts";

function requestFacts(request: Request, peer: Peer, port: number | undefined): AuthorizationRequest {
  // The host as routing saw it (one spelling: lower case, no trailing dot).
  const url = requestUrl(request);
  return {
    method: request.method,
    path: url.pathname,
    host: url.hostname.toLowerCase(),
    port,
    headers: request.headers,
    principal: peer.principal,
    requestPrincipal: peer.requestPrincipal,
    claims: peer.claims,
    remoteIp: request.headers.get("cf-connecting-ip") ?? undefined,
  };
}

// The workload object itself is the policy target: it lives as long as the isolate, so the
// policies that select it are found without building a key per request.
function enforce(security: SecurityState, mesh: CompiledMesh, target: Workload, facts: AuthorizationRequest): void {
  const decision = authorize(mesh, target, facts);
  if (decision.audited.length === 0 && decision.dryRun.length === 0 && decision.allowed) return;
  const name = `${target.namespace}/${target.service}`;
  for (const policy of decision.audited) recordSecurityEvent(security, { event: "authz_audit", workload: name, policy });
  for (const shadow of decision.dryRun) recordSecurityEvent(security, { event: "authz_dry_run", workload: name, ...shadow });
  if (decision.allowed) return;
  const policy = decision.policy ?? "no-allow-policy-matched";
  recordSecurityEvent(security, { event: "authz_denied", workload: name, policy, reason: decision.reason });
  throw new AuthzDeniedError(
    decision.policy ? `${decision.reason}:${decision.policy}` : decision.reason,
    decision.policy ? `RBAC: access denied by ${decision.policy}` : "RBAC: access denied (no ALLOW policy matched)",
  );
}

function portOf(url: URL): number | undefined {
  return url.port ? Number(url.port) : undefined;
}

/**
 * Inbound stack, authorize slot: AuthorizationPolicy for this workload; deny -> 403
 * `authz_denied` (UAEX). It decides on the request as the service will see it (credentials
 * removed: handlerRequest), in the one copy the handler then gets.
 */
export const authorizeInbound: InboundLayer = (request, call, next) => {
  const seen = handlerRequest(request, call);
  enforce(call.isolate.security, call.mesh, call.workload, requestFacts(seen, call.peer, portOf(requestUrl(seen))));
  return next(seen, call);
};

/**
 * Gateway edge: AuthorizationPolicy selecting the gateway workload, with the edge's verified
 * facts. The port is the listener's, told by the scheme as Gateway server selection does
 * (servers.ts): Istio's ingress pods listen on 8080 and 8443 and policies name those,
 * whatever port the local gateway happens to listen on (Cloudflare's URL has none).
 */
export const authorizeEdge: OutboundLayer = (request, call, next) => {
  const port = requestUrl(request).protocol === "https:" ? 8443 : 8080;
  enforce(call.isolate.security, call.mesh, call.source, requestFacts(request, edgePeer(call), port));
  return next(request, call);
};
