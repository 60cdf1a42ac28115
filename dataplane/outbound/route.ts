import { NoRouteError } from "../traffic/mesh-error.ts";
import type { OutboundLayer } from "./call.ts";
import { requestUrl } from "../request-url.ts";

/**
 * Route match: finds the VirtualService routes for the request's host in the call's gateway
 * context and takes the first route that matches (Istio's order). A mesh service without a
 * VirtualService takes its default route (all its endpoints). A host with routes but no
 * match, or a host the mesh does not know, is answered 404 NR naming the host.
 */
export const matchRoute: OutboundLayer = (request, call, next) => {
  const url = requestUrl(request);
  const host = url.hostname.toLowerCase();
  call.host = host;
  call.service = call.mesh.service(host, call.source.namespace);
  const routes = call.mesh.routeTable(call.scopes).lookup(url.host, call.source.namespace);
  if (routes) {
    const scheme = url.protocol.slice(0, -1);
    const match = routes.match({
      path: url.pathname,
      // The string: parsed only if a route matches on query parameters.
      query: url.search.slice(1),
      method: request.method,
      headers: request.headers,
      authority: url.host,
      scheme,
      port: url.port ? Number(url.port) : scheme === "https" ? 443 : 80,
      source: call.source,
    });
    if (!match) throw new NoRouteError(host, url.pathname);
    call.route = match;
  } else if (!call.service || !call.scopes.includes("mesh")) {
    throw new NoRouteError(host);
  }
  return next(request, call);
};
