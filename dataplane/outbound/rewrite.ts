import { rewriteAuthority, rewritePath } from "../traffic/rewrite.ts";
import { checkRewrittenPath } from "../traffic/rewritten-path.ts";
import { requestUrl } from "../request-url.ts";
import type { OutboundLayer } from "./call.ts";
import { editRoute } from "./upstream-request.ts";

/**
 * Istio's `rewrite`: the path (`uri` for the matched prefix or whole path, or
 * `uriRegexRewrite`) and the authority the destination sees; the original authority is
 * kept in `x-forwarded-host`. A rewritten path that normalization would change (a dot
 * segment, an encoded or back slash) is refused: 400 `rewrite_escapes_prefix`. Recorded on
 * the call: the route's header rules (next layer) build the one copy with both.
 */
export const rewrite: OutboundLayer = (request, call, next) => {
  const spec = call.route?.route.rewrite;
  if (!spec) return next(request, call);
  const url = new URL(requestUrl(request));
  // Checked before the URL resolves what policy never saw (`/app../api` -> `/../api`).
  url.pathname = checkRewrittenPath(rewritePath(url.pathname, spec, call.route!.block));
  const edits = editRoute(call);
  edits.url = url;
  const authority = rewriteAuthority(url.host, spec);
  if (authority !== url.host) {
    edits.set.push(["x-forwarded-host", url.host]);
    url.host = authority;
  }
  return next(request, call);
};
