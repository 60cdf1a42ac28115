import { compileRegexRewrite, type PathRewriter } from "../../resources/regex-rewrite.ts";
import type { HTTPMatchRequest, HTTPRoute } from "../../resources/virtual-service.ts";
import { recordRefusedRegex } from "./lazy-regex.ts";

type HTTPRewrite = NonNullable<HTTPRoute["rewrite"]>;
type HTTPRedirect = NonNullable<HTTPRoute["redirect"]>;

// One compiled rewrite per rewrite object, on its first use: it lives as long as its
// snapshot, so a regex is compiled once per snapshot, not per request.
const rewriters = new WeakMap<object, PathRewriter>();

/**
 * The path after a route's `rewrite` (Istio semantics): `uri` replaces the prefix the
 * request matched when it matched by `uri.prefix` (a route without a uri condition
 * matches prefix `/`), and the whole path when it matched by exact or regex;
 * `uriRegexRewrite` replaces every match of its regex as Envoy's RE2 does (`\1` groups,
 * see `compileRegexRewrite`).
 * `/prefix` rewritten to `/` does not leave `//` behind.
 *
 * @param matched the match block that selected the route (`RouteMatch.block`), if any
 */
export function rewritePath(path: string, rewrite: HTTPRewrite | undefined, matched: HTTPMatchRequest | undefined): string {
  if (!rewrite) return path;
  if (rewrite.uriRegexRewrite) {
    let rewriter = rewriters.get(rewrite.uriRegexRewrite);
    if (!rewriter) rewriters.set(rewrite.uriRegexRewrite, (rewriter = regexRewriter(rewrite.uriRegexRewrite)));
    return rewriter(path);
  }
  if (rewrite.uri === undefined) return path;
  const uri = matched?.uri;
  if (uri?.exact !== undefined || uri?.regex !== undefined) return rewrite.uri;
  const prefix = uri?.prefix ?? "/";
  const rest = path.slice(prefix.length);
  if (rewrite.uri.endsWith("/") && rest.startsWith("/")) return rewrite.uri + rest.slice(1);
  return rewrite.uri + rest;
}

// The control plane refuses a rewrite that does not compile at apply; one that reaches the
// data plane anyway leaves paths as they are, logged once, rather than fail every request.
function regexRewriter({ match, rewrite }: NonNullable<HTTPRewrite["uriRegexRewrite"]>): PathRewriter {
  try {
    return compileRegexRewrite(match, rewrite);
  } catch (error) {
    recordRefusedRegex(match, error);
    return (path) => path;
  }
}

/** The authority after a route's `rewrite.authority`, else unchanged. */
export function rewriteAuthority(authority: string, rewrite: HTTPRewrite | undefined): string {
  return rewrite?.authority ?? authority;
}

/**
 * The redirect a route answers with (default 301). `uri` replaces the whole path
 * (Istio), `prefixRewrite` the matched prefix; `authority`, `scheme` and `port` replace
 * theirs. The port is kept unless the scheme or authority changes (then the default port
 * of the scheme, unless `port` or `derivePort: FROM_REQUEST_PORT` says otherwise). The
 * query is kept unless the new uri carries its own.
 */
export function redirectResponse(url: URL, redirect: HTTPRedirect, matched: HTTPMatchRequest | undefined): Response {
  const target = new URL(url.href);
  const scheme = redirect.scheme ?? url.protocol.slice(0, -1);
  target.protocol = `${scheme}:`;
  if (redirect.authority !== undefined) target.hostname = redirect.authority.replace(/:\d+$/, "");
  const requestPort = url.port;
  if (redirect.port !== undefined) target.port = String(redirect.port);
  else if (redirect.derivePort === "FROM_REQUEST_PORT") target.port = requestPort;
  else if (redirect.derivePort === "FROM_PROTOCOL_DEFAULT" || redirect.scheme !== undefined || redirect.authority !== undefined) target.port = "";
  let path = url.pathname;
  let search = url.search;
  if (redirect.uri !== undefined) {
    const q = redirect.uri.indexOf("?");
    path = q === -1 ? redirect.uri : redirect.uri.slice(0, q);
    if (q !== -1) search = redirect.uri.slice(q);
  } else if (redirect.prefixRewrite !== undefined) {
    path = rewritePath(url.pathname, { uri: redirect.prefixRewrite }, matched);
  }
  target.pathname = path;
  target.search = search;
  return new Response(null, { status: redirect.redirectCode ?? 301, headers: { location: target.href } });
}
