import { hostMatches } from "../../resources/hosts.ts";
import type { Gateway } from "../../resources/gateway.ts";
import type { OutboundLayer } from "../outbound/call.ts";
import { NoRouteError } from "../traffic/mesh-error.ts";
import { requestUrl } from "../request-url.ts";

// Istio's ingress gateway Service maps 80 -> 8080 and 443 -> 8443; Gateway servers name the latter.
const SERVICE_TO_TARGET_PORT: Record<string, number> = { "80": 8080, "443": 8443 };

type Server = Gateway["spec"]["servers"][number];

/**
 * Picks the Gateway resources that serve this request at the edge: their selector matches
 * the gateway's labels, and one of their servers lists the request's port and host (`*`,
 * `*.example.com`, or `ns/host` of which the host part counts here; the namespace part limits
 * which VirtualServices bind, in the route table). The matching gateways become the route
 * scopes, so only VirtualServices bound to them apply. No server -> 404 NR. A plain-HTTP
 * request (the URL's scheme, or `x-forwarded-proto` when a proxy in front set it) to a
 * server with `tls.httpsRedirect` is answered 301 to the same URL over https, as Envoy's
 * `require_tls` does.
 */
export const selectGatewayServers: OutboundLayer = (request, call, next) => {
  const url = requestUrl(request);
  const host = url.hostname.toLowerCase();
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  // ISTHMUS_GATEWAY_LISTENER_PORT: the Gateway server port every request counts as arriving
  // on, as a pod's container port is whatever port the client dialled (the local mesh sets
  // 8080 so that Istio's bookinfo-gateway.yaml serves on any local port).
  const listenerPort = Number(call.env.ISTHMUS_GATEWAY_LISTENER_PORT) || SERVICE_TO_TARGET_PORT[String(port)];
  const serves = (server: Server) =>
    (server.port?.number === undefined || server.port.number === port || server.port.number === listenerPort) &&
    (server.hosts ?? []).some((written) => hostMatches(written.includes("/") ? written.slice(written.indexOf("/") + 1) : written, host));
  const scopes: string[] = [];
  let redirect = false;
  for (const gateway of call.mesh.gatewaysSelecting(call.source.labels)) {
    const servers = (gateway.spec.servers ?? []).filter(serves);
    if (servers.length === 0) continue;
    scopes.push(gateway.key);
    redirect ||= servers.some((server) => server.tls?.httpsRedirect === true);
  }
  if (scopes.length === 0) throw new NoRouteError(host);
  if (redirect && schemeOf(request, url) === "http") {
    // Envoy's require_tls: https, the Host as the client sent it, the path and query.
    return Promise.resolve(new Response(null, { status: 301, headers: { location: `https://${url.host}${url.pathname}${url.search}` } }));
  }
  call.scopes = scopes;
  return next(request, call);
};

function schemeOf(request: Request, url: URL): string {
  const forwarded = request.headers.get("x-forwarded-proto");
  return (forwarded ? forwarded.split(",")[0]!.trim() : url.protocol.slice(0, -1)).toLowerCase();
}
