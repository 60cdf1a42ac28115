import type { CompiledMesh } from "../config/compiled.ts";
import type { InboundLayer, Peer } from "../inbound/call.ts";
import type { OutboundLayer } from "../outbound/call.ts";
import { requestUrl } from "../request-url.ts";
import { AuthzDeniedError } from "../traffic/mesh-error.ts";
import { authorize, type AuthorizationRequest } from "./authorization.ts";
import { edgePeer } from "./edge-peer.ts";
import { recordSecurityEvent } from "./events.ts";
import type { PolicyTarget } from "./policy-scope.ts";

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

function enforce(mesh: CompiledMesh, target: PolicyTarget & { name: string }, facts: AuthorizationRequest): void {
  const decision = authorize(mesh, target, facts);
  for (const policy of decision.audited) recordSecurityEvent({ event: "authz_audit", workload: target.name, policy });
  for (const shadow of decision.dryRun) recordSecurityEvent({ event: "authz_dry_run", workload: target.name, ...shadow });
  if (decision.allowed) return;
  const policy = decision.policy ?? "no-allow-policy-matched";
  recordSecurityEvent({ event: "authz_denied", workload: target.name, policy, reason: decision.reason });
  throw new AuthzDeniedError(
    decision.policy ? `${decision.reason}:${decision.policy}` : decision.reason,
    decision.policy ? `RBAC: access denied by ${decision.policy}` : "RBAC: access denied (no ALLOW policy matched)",
  );
}

function portOf(url: URL): number | undefined {
  return url.port ? Number(url.port) : undefined;
}

/** Inbound stack, authorize slot: AuthorizationPolicy for this workload; deny -> 403 `authz_denied` (UAEX). */
export const authorizeInbound: InboundLayer = (request, call, next) => {
  const w = call.workload;
  enforce(call.mesh, { ...w, name: `${w.namespace}/${w.service}` }, requestFacts(request, call.peer, portOf(requestUrl(request))));
  return next(request, call);
};

// Istio's ingress gateway Service maps 80 -> 8080 and 443 -> 8443; policies name the latter.
const LISTENER_PORT: Record<string, number> = { "80": 8080, "443": 8443 };

/** Gateway edge: AuthorizationPolicy selecting the gateway workload, with the edge's verified facts. */
export const authorizeEdge: OutboundLayer = (request, call, next) => {
  const url = requestUrl(request);
  const port = portOf(url) ?? (url.protocol === "https:" ? 443 : 80);
  const s = call.source;
  enforce(call.mesh, { ...s, name: `${s.namespace}/${s.service}` }, requestFacts(request, edgePeer(call), LISTENER_PORT[String(port)] ?? port));
  return next(request, call);
};
