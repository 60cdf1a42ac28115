import { hostMatches } from "../../resources/hosts.ts";
import type { Gateway } from "../../resources/gateway.ts";
import { listenerOfPort, type Listener } from "../../resources/gateway-listeners.ts";
import type { OutboundLayer } from "../outbound/call.ts";
import { NoRouteError } from "../traffic/mesh-error.ts";
import { requestUrl } from "../request-url.ts";
import { checkClientCertificate, clientCertificateMode, tlsClientAuthOf, type ClientCertificateMode } from "./tls-client-auth.ts";

type Server = Gateway["spec"]["servers"][number];

/**
 * Picks the Gateway resources that serve this request at the edge: their selector matches
 * the gateway's labels, and one of their servers is on the request's listener and lists its
 * host (`*`, `*.example.com`, or `ns/host` of which the host part counts here; the namespace
 * part limits which VirtualServices bind, in the route table). The listener is the URL's
 * scheme: ports 80 and 8080 are the plain-HTTP one, 443 and 8443 the HTTPS one, as Istio's
 * ingress serves a Gateway written with either its Service port or its target port (the
 * port in the URL is whatever the local listener has; behind Cloudflare the URL has none).
 * The matching gateways become the route scopes, so only VirtualServices bound to them
 * apply. No server -> 404 NR. A plain-HTTP request (the URL's scheme, or `x-forwarded-proto`
 * when a proxy in front set it) to a server with `tls.httpsRedirect` is answered 301 to the
 * same URL over https, as Envoy's `require_tls` does. On the HTTPS listener, a server with
 * `tls.mode: MUTUAL` refuses a request whose `cf.tlsClientAuth` shows no verified client
 * certificate with 403 `client_cert_missing` / `client_cert_unverified` (see
 * {@link checkClientCertificate}); the certificate's identity is read by the edge security layers.
 */
export const selectGatewayServers: OutboundLayer = (request, call, next) => {
  const url = requestUrl(request);
  const host = url.hostname.toLowerCase();
  const listener: Listener = url.protocol === "https:" ? "https" : "http";
  const serves = (server: Server) =>
    listenerOfPort(server.port.number) === listener &&
    server.hosts.some((written) => hostMatches(written.includes("/") ? written.slice(written.indexOf("/") + 1) : written, host));
  const scopes: string[] = [];
  let redirect = false;
  let clientCertificate: ClientCertificateMode = "none";
  for (const gateway of call.mesh.gatewaysSelecting(call.source.labels)) {
    const servers = (gateway.spec.servers ?? []).filter(serves);
    if (servers.length === 0) continue;
    scopes.push(gateway.key);
    redirect ||= servers.some((server) => server.tls?.httpsRedirect === true);
    for (const server of servers) clientCertificate = stricter(clientCertificate, clientCertificateMode(server.tls?.mode));
  }
  if (scopes.length === 0) throw new NoRouteError(host);
  if (redirect && schemeOf(request, url) === "http") {
    // Envoy's require_tls: https, the Host as the client sent it, the path and query.
    return Promise.resolve(new Response(null, { status: 301, headers: { location: `https://${url.host}${url.pathname}${url.search}` } }));
  }
  if (listener === "https") checkClientCertificate(tlsClientAuthOf(request), clientCertificate);
  call.scopes = scopes;
  return next(request, call);
};

// Two servers for one host: the stricter client-certificate demand wins, so no server's MUTUAL is bypassed.
function stricter(a: ClientCertificateMode, b: ClientCertificateMode): ClientCertificateMode {
  return a === "required" || b === "required" ? "required" : a === "optional" || b === "optional" ? "optional" : "none";
}

function schemeOf(request: Request, url: URL): string {
  const forwarded = request.headers.get("x-forwarded-proto");
  return (forwarded ? forwarded.split(",")[0]!.trim() : url.protocol.slice(0, -1)).toLowerCase();
}
