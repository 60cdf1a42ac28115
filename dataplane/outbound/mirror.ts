import { decideMirrors, mirrorRequest } from "../traffic/mirror.ts";
import type { OutboundCall, OutboundHandler, OutboundLayer } from "./call.ts";

/**
 * Mirroring (Istio's `mirror` / `mirrors`): for its share of requests, a copy (authority
 * with `-shadow`) goes to the mirror destination through the per-attempt stack (endpoint
 * choice, identity, dispatch), fire-and-forget in `waitUntil`; its response and errors are
 * discarded and never touch the primary.
 */
export function mirror(attempt: OutboundHandler): OutboundLayer {
  return (request, call, next) => {
    const route = call.route?.route;
    if (!route || call.shadow || (!route.mirror && !route.mirrors)) return next(request, call);
    const targets = decideMirrors(route);
    for (const destination of targets) {
      const service = call.mesh.service(destination.host, call.route!.virtualService.namespace);
      if (!service) continue;
      const copy = request.clone();
      const shadowCall: OutboundCall = {
        ...call,
        flags: [],
        shadow: true,
        upstreamHeaders: undefined,
        destination: { service, subset: destination.subset, port: destination.port?.number },
      };
      call.waitUntil(
        attempt(mirrorRequest(copy, copy.body), shadowCall).then(
          (response) => response.body?.cancel(),
          () => undefined,
        ),
      );
    }
    return next(request, call);
  };
}
