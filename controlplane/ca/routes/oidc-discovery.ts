import { ApiError } from "../../http/errors.ts";

/** OIDC discovery is served only once the control plane knows its own public URL. */
export class OidcNotConfiguredError extends ApiError {
  constructor() {
    super(404, "oidc_not_configured", "OIDC discovery needs ISTHMUS_PUBLIC_URL, the control plane's public https URL; it is not taken from the request");
  }
}

/** ISTHMUS_PUBLIC_URL is not an absolute http(s) URL without query or fragment. */
export class OidcMisconfiguredError extends ApiError {
  constructor(reason: string) {
    super(500, "oidc_misconfigured", `ISTHMUS_PUBLIC_URL ${reason}`);
  }
}

/**
 * The OIDC discovery document for JWT consumers that expect one. `issuer` and `jwks_uri`
 * come from the configured public URL only: a Host header chosen by a client must never
 * name the issuer or where its keys are fetched from.
 */
export function oidcDiscovery(publicUrl: string | undefined) {
  if (!publicUrl) throw new OidcNotConfiguredError();
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new OidcMisconfiguredError("is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new OidcMisconfiguredError("must be an http(s) URL");
  if (url.search || url.hash || url.username || url.password) throw new OidcMisconfiguredError("must have no query, fragment or credentials");
  const issuer = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    id_token_signing_alg_values_supported: ["ES256"],
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
  };
}
