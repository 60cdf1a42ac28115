// What a proof-of-possession request proof binds: the request as the callee will see it.
import { base64urlEncode } from "../../identity/base64url.ts";
import { requestUrl } from "../request-url.ts";
import { normalizePath } from "../traffic/path.ts";

/** The parts of a request a request proof is bound to; a proof for other parts is refused. */
export interface ProofRequest {
  method: string;
  /** `hostname[:port]` in the one spelling routing uses (lower case, no trailing dot). */
  host: string;
  /** The path normalized as the callee's inbound stack sees it. */
  path: string;
  /** The query as sent, with its `?` (`""` without one). */
  query: string;
  /** base64url SHA-256 of the body, when the callee's policy asks for it (`isthmus.io/pop-body-digest`). */
  bodyDigest?: string;
}

/** The path a proof is bound to: normalized as the callee's inbound stack sees it, without the query. */
export function boundPath(url: string): string {
  const { pathname } = new URL(url);
  try {
    return normalizePath(pathname).path;
  } catch {
    // The callee refuses such a path before authentication; bind the raw form meanwhile.
    return pathname;
  }
}

/**
 * The proof parts of `request`. `host` overrides the URL's where the request will arrive
 * under another (an `https://` origin endpoint). With `bodyDigest`, the body is read from a
 * clone (buffered in memory) and the request itself stays unread.
 */
export async function proofRequest(request: Request, options: { host?: string; bodyDigest?: boolean } = {}): Promise<ProofRequest> {
  const url = requestUrl(request);
  const parts: ProofRequest = { method: request.method, host: options.host ?? url.host, path: boundPath(request.url), query: url.search };
  if (options.bodyDigest) {
    const body = request.body === null ? new ArrayBuffer(0) : await request.clone().arrayBuffer();
    parts.bodyDigest = base64urlEncode(await crypto.subtle.digest("SHA-256", body));
  }
  return parts;
}

/**
 * The host a request sent to `address` arrives under, where it is not the request's own:
 * an `http(s)://` origin endpoint is fetched at its own host (dispatch.ts); a `worker://`
 * or `dispatch://` endpoint gets the request as it is.
 */
export function arrivalHost(address: string): string | undefined {
  if (!/^https?:\/\//.test(address)) return undefined;
  const { host } = new URL(address);
  return host.replace(/\.(?=:|$)/, "");
}
