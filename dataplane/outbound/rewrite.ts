import type { OutboundLayer } from "./call.ts";

/**
 * Istio's `rewrite`: `uri` replaces the part of the path the route matched (the prefix of a
 * prefix match, else the whole path), `uriRegexRewrite` substitutes a regex (RE2 `\1`
 * groups), `authority` replaces the host the destination sees.
 */
export const rewrite: OutboundLayer = (request, call, next) => {
  const spec = call.route?.route.rewrite;
  if (!spec) return next(request, call);
  const url = new URL(request.url);
  if (spec.uri !== undefined) {
    const prefix = call.route!.route.match?.map((block) => block.uri?.prefix).find((p) => p !== undefined && url.pathname.startsWith(p));
    const rest = prefix !== undefined ? url.pathname.slice(prefix.length) : "";
    const [path, query] = (spec.uri + rest).split("?");
    url.pathname = path!.replace(/\/\/+/g, "/") || "/";
    if (query !== undefined) url.search = query;
  } else if (spec.uriRegexRewrite) {
    const pattern = new RegExp(spec.uriRegexRewrite.match, "g");
    url.pathname = url.pathname.replace(pattern, spec.uriRegexRewrite.rewrite.replace(/\\(\d)/g, "$$$1"));
  }
  const headers = new Headers(request.headers);
  if (spec.authority) {
    url.host = spec.authority;
    headers.set("x-forwarded-host", new URL(request.url).host);
  }
  return next(new Request(url, new Request(request, { headers })), call);
};
