import type { Destination as MirrorDestination } from "../../resources/virtual-service.ts";
import { defaultRandom } from "../traffic/random.ts";
import type { OutboundCall, OutboundHandler, OutboundLayer } from "./call.ts";

/** The mirrors of a route with their shares: `mirror` + `mirrorPercentage`, or `mirrors[]`. */
function mirrorsOf(call: OutboundCall): { destination: MirrorDestination; percent: number }[] {
  const route = call.route?.route;
  if (!route) return [];
  if (route.mirror) return [{ destination: route.mirror, percent: route.mirrorPercentage?.value ?? 100 }];
  return (route.mirrors ?? []).map((m) => ({ destination: m.destination, percent: m.percentage?.value ?? 100 }));
}

/**
 * Mirroring (Istio's `mirror` / `mirrors`): for its share of requests, a copy goes to the
 * mirror destination through the per-attempt stack (endpoint choice, identity, dispatch),
 * fire-and-forget in `waitUntil`; its response and errors are discarded and never touch
 * the primary. As in Envoy, the copy's authority gets a `-shadow` suffix.
 */
export function mirror(attempt: OutboundHandler): OutboundLayer {
  return (request, call, next) => {
    const mirrors = call.shadow ? [] : mirrorsOf(call);
    const chosen = mirrors.filter((m) => m.percent >= 100 || defaultRandom() * 100 < m.percent);
    if (chosen.length === 0) return next(request, call);
    for (const { destination } of chosen) {
      const service = call.mesh.service(destination.host, call.route!.virtualService.namespace);
      if (!service) continue;
      const copy = shadowOf(request.clone());
      const shadowCall: OutboundCall = {
        ...call,
        flags: [],
        shadow: true,
        destination: { service, subset: destination.subset, port: destination.port?.number },
      };
      call.waitUntil(
        attempt(copy, shadowCall).then(
          (response) => response.body?.cancel(),
          () => undefined,
        ),
      );
    }
    return next(request, call);
  };
}

function shadowOf(request: Request): Request {
  const url = new URL(request.url);
  url.hostname = `${url.hostname}-shadow`;
  return new Request(url, request);
}
