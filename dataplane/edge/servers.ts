import { hostMatches } from "../../resources/hosts.ts";
import type { OutboundLayer } from "../outbound/call.ts";
import { NoRouteError } from "../traffic/mesh-error.ts";

// Istio's ingress gateway Service maps 80 -> 8080 and 443 -> 8443; Gateway servers name the latter.
const SERVICE_TO_TARGET_PORT: Record<string, number> = { "80": 8080, "443": 8443 };

/**
 * Picks the Gateway resources that serve this request at the edge: their selector matches
 * the gateway's labels, and one of their servers lists the request's port and host (`*`,
 * `*.example.com`, or `ns/host` of which the host part counts). The matching gateways become the route scopes,
 * so only VirtualServices bound to them apply. No server -> 404 NR.
 */
export const selectGatewayServers: OutboundLayer = (request, call, next) => {
  const url = new URL(request.url);
  const host = url.hostname.toLowerCase();
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  // ISTHMUS_GATEWAY_LISTENER_PORT: the Gateway server port every request counts as arriving
  // on, as a pod's container port is whatever port the client dialled (the local mesh sets
  // 8080 so that Istio's bookinfo-gateway.yaml serves on any local port).
  const listenerPort = Number(call.env.ISTHMUS_GATEWAY_LISTENER_PORT) || SERVICE_TO_TARGET_PORT[String(port)];
  const scopes: string[] = [];
  for (const gateway of call.mesh.gatewaysSelecting(call.source.labels)) {
    const servers = (gateway.spec.servers ?? []) as { port?: { number?: number }; hosts?: string[] }[];
    const serves = servers.some(
      (server) =>
        (server.port?.number === undefined || server.port.number === port || server.port.number === listenerPort) &&
        (server.hosts ?? []).some((written) => hostMatches(written.includes("/") ? written.split("/")[1]! : written, host)),
    );
    if (serves) scopes.push(gateway.key);
  }
  if (scopes.length === 0) throw new NoRouteError(host);
  call.scopes = scopes;
  return next(request, call);
};
