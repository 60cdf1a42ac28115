import { MeshError, PathInvalidError } from "./mesh-error.ts";
import { normalizePath } from "./path.ts";
import { ResponseFlag } from "./response-flags.ts";

/**
 * A rewrite would send the upstream a path that means something else than the path routing
 * and policy saw (400 `path_invalid`, reason `rewrite_escapes_prefix`): the prefix rewrite
 * `/app` -> `/` turns `/app../api` into `/../api`, which any URL parser resolves to `/api`.
 */
export class RewriteEscapeError extends MeshError {
  readonly reason = "rewrite_escapes_prefix";
  constructor(readonly path: string) {
    super("path_invalid", 400, [ResponseFlag.DownstreamProtocolError], `the rewritten path ${JSON.stringify(path)} would leave the path that was routed and authorized`);
  }
}

/**
 * Checks a path a route's `rewrite` produced from a normalized request path: it must be a
 * fixed point of the inbound normalization (`traffic/path.ts`), so no dot segment, encoded
 * or back slash resolves after policy ran. Slashes are not merged here (the rewrite does not
 * leave `//`; a configured `//` is the operator's). Returns the path unchanged.
 *
 * @throws {RewriteEscapeError} when normalizing would change its meaning.
 */
export function checkRewrittenPath(path: string): string {
  // `?` and `#` are part of the path here: the URL will encode them.
  const literal = path.replace(/[?#]/g, (c) => (c === "?" ? "%3F" : "%23"));
  let normalized: string;
  try {
    normalized = normalizePath(literal, { mergeSlashes: false }).path;
  } catch (error) {
    if (error instanceof PathInvalidError) throw new RewriteEscapeError(path);
    throw error;
  }
  if (normalized !== literal) throw new RewriteEscapeError(path);
  return path;
}
