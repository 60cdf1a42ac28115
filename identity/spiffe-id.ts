// SPIFFE IDs exactly as standards/SPIFFE-ID.md (spiffe/spiffe) defines them.

/** Why a string is not a SPIFFE ID. */
export type SpiffeIdProblem =
  | "empty"
  | "too_long"
  | "wrong_scheme"
  | "missing_trust_domain"
  | "trust_domain_too_long"
  | "bad_trust_domain_char"
  | "userinfo_not_allowed"
  | "port_not_allowed"
  | "query_not_allowed"
  | "fragment_not_allowed"
  | "empty_segment"
  | "dot_segment"
  | "trailing_slash"
  | "bad_path_char"
  | "percent_encoded";

/** Raised when a string is not a valid SPIFFE ID; `reason` names the broken rule. */
export class InvalidSpiffeIdError extends Error {
  readonly code = "invalid_spiffe_id";
  constructor(
    readonly reason: SpiffeIdProblem,
    message: string,
  ) {
    super(message);
    this.name = "InvalidSpiffeIdError";
  }
}

/** A parsed SPIFFE ID. `path` is "" for a trust domain's own ID, else starts with "/". */
export interface SpiffeId {
  trustDomain: string;
  path: string;
  /** The canonical string form (lower-case scheme and trust domain). */
  id: string;
}

const MAX_ID_BYTES = 2048;
const MAX_TRUST_DOMAIN_BYTES = 255;
const TRUST_DOMAIN_CHARS = /^[a-z0-9._-]+$/;
const SEGMENT_CHARS = /^[A-Za-z0-9._-]+$/;
const SCHEME = "spiffe://";

/** Validates a trust domain name (the authority part of a SPIFFE ID); returns it. */
export function parseTrustDomain(name: string): string {
  if (name.length === 0) fail("missing_trust_domain", "trust domain is empty");
  if (name.length > MAX_TRUST_DOMAIN_BYTES) {
    fail("trust_domain_too_long", `trust domain is longer than ${MAX_TRUST_DOMAIN_BYTES} bytes`);
  }
  if (name.includes("@")) fail("userinfo_not_allowed", "trust domain must not carry userinfo");
  if (name.includes(":")) fail("port_not_allowed", "trust domain must not carry a port");
  if (name.includes("%")) fail("percent_encoded", "trust domain must not be percent-encoded");
  if (!TRUST_DOMAIN_CHARS.test(name)) {
    fail(
      "bad_trust_domain_char",
      `trust domain "${name}" may only contain lower-case letters, digits, ".", "-" and "_"`,
    );
  }
  return name;
}

/** Parses and validates a SPIFFE ID; throws InvalidSpiffeIdError naming the broken rule. */
export function parseSpiffeId(input: string): SpiffeId {
  if (input.length === 0) fail("empty", "SPIFFE ID is empty");
  // RFC 3986 URIs are ASCII, so characters and bytes agree once the charset checks pass;
  // measure bytes anyway so non-ASCII input cannot slip under the limit.
  if (new TextEncoder().encode(input).length > MAX_ID_BYTES) {
    fail("too_long", `SPIFFE ID is longer than ${MAX_ID_BYTES} bytes`);
  }
  // Scheme is case-insensitive (spec 2.4); everything else is checked as written.
  if (input.slice(0, SCHEME.length).toLowerCase() !== SCHEME) {
    fail("wrong_scheme", 'SPIFFE ID must start with "spiffe://"');
  }
  const rest = input.slice(SCHEME.length);
  if (rest.includes("#")) fail("fragment_not_allowed", "SPIFFE ID must not have a fragment");
  if (rest.includes("?")) fail("query_not_allowed", "SPIFFE ID must not have a query");
  const slash = rest.indexOf("/");
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "" : rest.slice(slash);
  const trustDomain = parseTrustDomain(authority);
  if (path !== "") validatePath(path);
  return { trustDomain, path, id: `${SCHEME}${trustDomain}${path}` };
}

function validatePath(path: string): void {
  if (path === "/" || path.endsWith("/")) fail("trailing_slash", "SPIFFE ID path must not end with /");
  for (const segment of path.slice(1).split("/")) {
    if (segment === "") fail("empty_segment", "SPIFFE ID path has an empty segment");
    if (segment === "." || segment === "..") {
      fail("dot_segment", `SPIFFE ID path must not contain "${segment}" segments`);
    }
    if (segment.includes("%")) fail("percent_encoded", "SPIFFE ID path must not be percent-encoded");
    if (!SEGMENT_CHARS.test(segment)) {
      fail(
        "bad_path_char",
        `SPIFFE ID path segment "${segment}" may only contain letters, digits, ".", "-" and "_"`,
      );
    }
  }
}

/** True when `input` is a valid SPIFFE ID. */
export function isSpiffeId(input: string): boolean {
  try {
    parseSpiffeId(input);
    return true;
  } catch {
    return false;
  }
}

/** The workload identity `spiffe://<td>/ns/<namespace>/sa/<serviceAccount>`, validated. */
export function workloadId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return parseSpiffeId(`${SCHEME}${trustDomain}/ns/${namespace}/sa/${serviceAccount}`).id;
}

/** The trust domain's own SPIFFE ID (no path), used as the CA certificate's URI SAN. */
export function trustDomainId(trustDomain: string): string {
  return `${SCHEME}${parseTrustDomain(trustDomain)}`;
}

function fail(reason: SpiffeIdProblem, message: string): never {
  throw new InvalidSpiffeIdError(reason, message);
}
