import type { Destination, HTTPRoute } from "../../resources/virtual-service.ts";
import { defaultRandom, type RandomSource } from "./random.ts";

/**
 * The destinations this request is mirrored to: `mirror` with `mirrorPercentage`, or each
 * of `mirrors[]` with its own `percentage`; a missing percentage means 100 %, as in Istio.
 * Each mirror is drawn independently.
 */
export function decideMirrors(route: Pick<HTTPRoute, "mirror" | "mirrors" | "mirrorPercentage">, random: RandomSource = defaultRandom): Destination[] {
  const targets = route.mirror
    ? [{ destination: route.mirror, percent: route.mirrorPercentage?.value ?? 100 }]
    : (route.mirrors ?? []).map((m) => ({ destination: m.destination, percent: m.percentage?.value ?? 100 }));
  return targets.filter((t) => t.percent >= 100 || (t.percent > 0 && random() * 100 < t.percent)).map((t) => t.destination);
}

/**
 * Envoy's shadow authority: `-shadow` appended to the host, before any port
 * (`reviews:9080` -> `reviews-shadow:9080`), so the mirror target can tell shadow traffic.
 */
export function shadowAuthority(authority: string): string {
  const port = /:\d+$/.exec(authority);
  if (!port || authority.endsWith("]")) return `${authority}-shadow`;
  return `${authority.slice(0, port.index)}-shadow${port[0]}`;
}

/**
 * A copy of the request for a mirror: same method, URL and headers, the authority in
 * `host` (and `x-forwarded-host`, since a Worker's fetch takes its host from the URL)
 * turned into its shadow form. `body` is the caller's copy (e.g. one branch of
 * `request.body.tee()`, or the buffered bytes); the mirror's response is to be discarded.
 */
export function mirrorRequest(request: Request, body: BodyInit | null = null): Request {
  const headers = new Headers(request.headers);
  const authority = shadowAuthority(request.headers.get("host") ?? new URL(request.url).host);
  headers.set("host", authority);
  headers.set("x-forwarded-host", authority);
  const init = { method: request.method, headers, body: request.method === "GET" || request.method === "HEAD" ? null : body };
  // Node's fetch needs `duplex` for a streamed body; workerd ignores it.
  return new Request(request.url, body instanceof ReadableStream ? ({ ...init, duplex: "half" } as RequestInit) : init);
}
