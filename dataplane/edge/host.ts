import { BoundedMap } from "../bounded-map.ts";
import { normalizeAuthority } from "../traffic/host.ts";

// scheme://authority, as the runtime wrote the request URL from the request line and Host.
const URL_AUTHORITY = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/;

/** A request URL's authority in its one spelling, and the URL around it. */
export interface EdgeAuthority {
  /** The authority as it stands in the URL. */
  written: string;
  /** Its one spelling (see {@link normalizeAuthority}). */
  authority: string;
  /** The URL with the authority in its one spelling (the same string when unchanged). */
  url: string;
}

/**
 * The request's authority in its one spelling, for the URL and the `Host` header alike. The
 * URL's authority wins over a different `Host` header, as an absolute-form request target's
 * does (RFC 9112 §3.2.2); two Host values (joined by a comma) are refused even when the URL
 * took one. Throws `HostInvalidError` (400 `bad_host`, with its reason) for a malformed host.
 */
export function edgeAuthority(requestUrl: string, host: string | null): EdgeAuthority {
  const found = URL_AUTHORITY.exec(requestUrl);
  if (host?.includes(",")) normalizeAuthority(host);
  const written = found?.[2] ?? "";
  const authority = oneSpelling(written, found?.[1]?.toLowerCase() ?? "http");
  const url = authority === written ? requestUrl : `${found![1]}://${authority}${requestUrl.slice(found![0].length)}`;
  return { written, authority, url };
}

// An edge sees few distinct authorities, and normalizing one parses a URL: each is
// normalized once (a pure function of its text and scheme). Refusals are not kept; the
// bound keeps a client's made-up hosts from growing it.
const spellings = new Map<string, BoundedMap<string, string>>();

function oneSpelling(written: string, scheme: string): string {
  let byWritten = spellings.get(scheme);
  if (!byWritten) spellings.set(scheme, (byWritten = new BoundedMap(256)));
  let authority = byWritten.get(written);
  if (authority === undefined) byWritten.set(written, (authority = normalizeAuthority(written, scheme).authority));
  return authority;
}
