import type { OutboundLayer } from "./call.ts";

/**
 * Answers a route's `redirect` itself (Istio's HTTPRedirect: uri or prefixRewrite,
 * authority, scheme, port or derivePort; redirectCode default 301); other routes pass on.
 */
export const answerRedirect: OutboundLayer = (request, call, next) => {
  const redirect = call.route?.route.redirect;
  if (!redirect) return next(request, call);
  const url = new URL(request.url);
  if (redirect.scheme) url.protocol = `${redirect.scheme}:`;
  if (redirect.authority) url.host = redirect.authority;
  if (redirect.port) url.port = String(redirect.port);
  else if (redirect.derivePort === "FROM_PROTOCOL_DEFAULT") url.port = "";
  if (redirect.uri !== undefined) {
    const [path, query] = redirect.uri.split("?");
    url.pathname = path!;
    if (query !== undefined) url.search = query;
  } else if (redirect.prefixRewrite !== undefined) {
    const prefix = matchedPrefix(call.route!.route.match, url.pathname);
    if (prefix !== undefined) url.pathname = redirect.prefixRewrite + url.pathname.slice(prefix.length);
  }
  return Promise.resolve(new Response(null, { status: redirect.redirectCode ?? 301, headers: { location: url.toString() } }));
};

/** The `uri.prefix` of the match block that covers the path (Istio replaces that part). */
function matchedPrefix(blocks: { uri?: { prefix?: string } }[] | undefined, path: string): string | undefined {
  return blocks?.map((b) => b.uri?.prefix).find((prefix) => prefix !== undefined && path.startsWith(prefix));
}
