import { cookieValue } from "./cookies.ts";

/**
 * Where a consistent-hash key comes from: DestinationRule `loadBalancer.consistentHash`
 * (and the `stickyHash` route extension), by Istio's field names.
 */
export interface HashKeySource {
  httpHeaderName?: string;
  /** `ttl` and `path` describe the cookie the mesh generates when the request lacks it. */
  httpCookie?: { name: string; ttl?: string; path?: string };
  httpQueryParameterName?: string;
  useSourceIp?: boolean;
}

/**
 * The hash key of a request, or undefined when the request does not carry it (then the
 * caller falls back to a non-sticky choice, as Envoy does).
 *
 * @param sourceIp the client address (e.g. `CF-Connecting-IP`), for `useSourceIp`
 */
export function hashKeyOf(request: Request, source: HashKeySource, sourceIp?: string): string | undefined {
  if (source.httpHeaderName) return request.headers.get(source.httpHeaderName) ?? undefined;
  if (source.httpCookie) return cookieValue(request.headers.get("cookie"), source.httpCookie.name);
  if (source.httpQueryParameterName) return new URL(request.url).searchParams.get(source.httpQueryParameterName) ?? undefined;
  if (source.useSourceIp) return sourceIp || undefined;
  return undefined;
}
