import { normalizePath } from "../traffic/path.ts";
import type { Handler } from "../layer.ts";
import { requestUrl } from "../request-url.ts";

/**
 * Normalizes the request path once, before anything matches it (Istio's
 * DECODE_AND_MERGE_SLASHES); a path that cannot be normalized safely is refused (400).
 * Routing, policy and the service all see the normalized path.
 */
export function normalizeInboundPath<C>(request: Request, call: C, next: Handler<C>): Promise<Response> {
  const parsed = requestUrl(request);
  const { path, changed } = normalizePath(parsed.pathname + parsed.search);
  if (!changed) return next(request, call);
  const url = new URL(parsed);
  url.pathname = path;
  return next(new Request(url, request), call);
}
