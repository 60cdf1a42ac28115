import { MeshError } from "./mesh-error.ts";
import { ResponseFlag } from "./response-flags.ts";

/** Why a request's host was refused. */
export type HostInvalidReason =
  | "empty"
  | "multiple_hosts"
  | "percent_encoded"
  | "userinfo"
  | "invalid_character"
  | "ip_literal"
  | "invalid_port"
  | "empty_label"
  | "too_long";

/** The request's host (authority) is malformed (400 `bad_host`, DPE). `reason` says how. */
export class HostInvalidError extends MeshError {
  constructor(readonly reason: HostInvalidReason, detail: string) {
    super("bad_host", 400, [ResponseFlag.DownstreamProtocolError], `invalid request host (${reason}): ${detail}`);
  }
}

/** A request authority in its one spelling. */
export interface RequestAuthority {
  /** Lower case, no trailing dot, IP literals in their canonical form (`[::1]`, `127.0.0.1`). */
  hostname: string;
  /** The port when the client named one other than the scheme's default. */
  port?: number;
  /** `hostname[:port]`, what the URL and the Host header carry from here on. */
  authority: string;
}

// A DNS name or IPv4 address (and its port): RFC 3986 reg-name narrowed to what hosts use.
const NAME_CHARACTERS = /^[A-Za-z0-9._:-]+$/;
const IP_LITERAL = /^\[([0-9A-Fa-f:.]+)\](?::(.*))?$/;
const MAX_HOST_LENGTH = 253;

/**
 * Normalizes a request authority (`Host`, or the authority of the request URL) once, so that
 * Gateway server selection, routing and authorization all see one host: lower case, one
 * trailing dot removed, the port split off (and dropped when it is the scheme's default).
 * Punycode stays as it is. What a host cannot be is refused rather than guessed at.
 *
 * @throws {HostInvalidError} empty; a comma (two Host headers merged); `%` (no
 *   percent-encoding in a host); userinfo (`@`); any character but letters, digits, `.`, `-`,
 *   `_` (and `:` before the port); an IP literal that is not one; a port that is not 1..65535
 *   in digits; an empty label (`a..b`, `.`); more than 253 characters.
 */
export function normalizeAuthority(raw: string, scheme = "http"): RequestAuthority {
  if (raw === "") throw new HostInvalidError("empty", "no host");
  if (raw.includes(",")) throw new HostInvalidError("multiple_hosts", "more than one host (a comma: Host headers merged?)");
  if (raw.includes("%")) throw new HostInvalidError("percent_encoded", "percent-encoding in a host");
  if (raw.includes("@")) throw new HostInvalidError("userinfo", "userinfo in a host");
  let name: string;
  let portText: string | undefined;
  const literal = IP_LITERAL.exec(raw);
  if (literal) {
    name = `[${literal[1]}]`;
    portText = literal[2];
  } else {
    if (raw.includes("[") || raw.includes("]")) throw new HostInvalidError("ip_literal", "brackets outside an IPv6 literal");
    if (!NAME_CHARACTERS.test(raw)) throw new HostInvalidError("invalid_character", `character not allowed in a host: ${JSON.stringify(firstBad(raw))}`);
    const colon = raw.indexOf(":");
    name = colon === -1 ? raw : raw.slice(0, colon);
    portText = colon === -1 ? undefined : raw.slice(colon + 1);
    name = name.toLowerCase();
    if (name.endsWith(".")) name = name.slice(0, -1);
    if (name === "" || name.split(".").some((label) => label === "")) throw new HostInvalidError("empty_label", "empty label in host");
    if (name.length > MAX_HOST_LENGTH) throw new HostInvalidError("too_long", `host longer than ${MAX_HOST_LENGTH} characters`);
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) throw new HostInvalidError("invalid_port", `port ${JSON.stringify(portText)} is not 1..65535`);
  }
  // The URL parser gives IP literals and numeric IPv4 forms their one spelling (0x7f.1 is 127.0.0.1).
  let url: URL;
  try {
    url = new URL(`${scheme}://${name}${port === undefined ? "" : `:${port}`}/`);
  } catch {
    throw new HostInvalidError(literal ? "ip_literal" : "invalid_character", `not a host: ${JSON.stringify(raw)}`);
  }
  const hostname = url.hostname;
  return url.port ? { hostname, port: Number(url.port), authority: `${hostname}:${url.port}` } : { hostname, authority: hostname };
}

function firstBad(raw: string): string {
  return [...raw].find((char) => !NAME_CHARACTERS.test(char)) ?? raw;
}
