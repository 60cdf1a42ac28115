import { rewriteAuthority, rewritePath } from "../traffic/rewrite.ts";
import type { OutboundLayer } from "./call.ts";
import { matchedBlock } from "./matched-block.ts";

/**
 * Istio's `rewrite`: the path (`uri` for the matched prefix or whole path, or
 * `uriRegexRewrite`) and the authority the destination sees; the original authority is
 * kept in `x-forwarded-host`.
 */
export const rewrite: OutboundLayer = (request, call, next) => {
  const spec = call.route?.route.rewrite;
  if (!spec) return next(request, call);
  const url = new URL(request.url);
  url.pathname = rewritePath(url.pathname, spec, matchedBlock(call.route!, url.pathname));
  const authority = rewriteAuthority(url.host, spec);
  if (authority === url.host) return next(new Request(url, request), call);
  const headers = new Headers(request.headers);
  headers.set("x-forwarded-host", url.host);
  url.host = authority;
  return next(new Request(url, new Request(request, { headers })), call);
};
