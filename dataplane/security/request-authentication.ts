import { decodeJwt, errors, jwtVerify, createLocalJWKSet, type JWTPayload } from "jose";
import type { CompiledMesh } from "../config/compiled.ts";
import type { InboundLayer, Peer } from "../inbound/call.ts";
import type { OutboundLayer } from "../outbound/call.ts";
import type { JWTRule } from "../../resources/request-authentication.ts";
import { UnauthenticatedError } from "../traffic/mesh-error.ts";
import { cookieValue, withoutCookie } from "../traffic/cookies.ts";
import { parseDuration } from "../../resources/duration.ts";
import { base64urlEncode } from "../../identity/base64url.ts";
import { copyRequest, requestUrl } from "../request-url.ts";
import { edgePeer } from "./edge-peer.ts";
import { recordSecurityEvent } from "./events.ts";
import { DEFAULT_JWKS_TIMING, JwksUnavailableError, type JwksTiming } from "./jwks.ts";
import type { SecurityState } from "./security-state.ts";
import { appliesTo, perTarget, type PolicyTarget } from "./policy-scope.ts";
import { JWT_ALGORITHMS } from "../../resources/jwt-algorithms.ts";

// Asymmetric algorithms an IdP may sign with; HS* (a shared secret) and `none` are refused.
// An inline JWKS key's `alg` is checked against the same list when applied.
const ALGORITHMS = [...JWT_ALGORITHMS];
const CLOCK_SKEW_SECONDS = 60;
const MAX_TOKEN_LENGTH = 16_384;

/** Env a data-plane Worker may set for end-user JWTs. */
export interface RequestAuthenticationEnv {
  /** JWKS revalidation interval in ms (default 20 min, Istio's). */
  ISTHMUS_JWKS_REFRESH_MS?: string;
  /** Least ms between refetches for an unknown kid (default 10 s). */
  ISTHMUS_JWKS_MIN_REFETCH_MS?: string;
}

interface Location {
  kind: "header" | "param" | "cookie";
  name: string;
  prefix: string;
}

interface CompiledRule {
  rule: JWTRule;
  locations: Location[];
  inlineKeys?: ReturnType<typeof createLocalJWKSet>;
}

/** The verified end user: Istio's `request.auth.*`. */
export interface EndUser {
  requestPrincipal: string;
  claims: JWTPayload;
}

/**
 * Verifies the end-user JWT of a request against the RequestAuthentications that apply to
 * `target` (Istio's semantics: no token passes, as the end user is then unauthenticated and
 * only an AuthorizationPolicy requiring `requestPrincipals` can refuse it; a token that does
 * not verify — bad signature, expired, not yet valid, wrong audience, issuer no rule names —
 * is 401). Returns the request as the service should see it: the token removed unless
 * `forwardOriginalToken`, claims copied to `outputClaimToHeaders`, the payload to
 * `outputPayloadToHeader`; headers those options name are never taken from the client.
 */
export async function authenticateEndUser(
  request: Request,
  mesh: CompiledMesh,
  target: PolicyTarget,
  env: Record<string, unknown>,
  waitUntil: (promise: Promise<unknown>) => void,
  security: SecurityState,
): Promise<{ request: Request; user?: EndUser }> {
  const rules = rulesFor(mesh, target);
  if (rules.length === 0) return { request };
  // Built on the first change: a request with nothing to change passes as it is.
  let headers: Headers | undefined;
  let url: URL | undefined;
  const edit = () => (headers ??= new Headers(request.headers));
  for (const { rule } of rules) {
    for (const output of rule.outputClaimToHeaders ?? []) if (request.headers.has(output.header)) edit().delete(output.header);
    if (rule.outputPayloadToHeader && request.headers.has(rule.outputPayloadToHeader)) edit().delete(rule.outputPayloadToHeader);
  }
  const arrived = requestUrl(request);
  let found: { token: string; location: Location } | undefined;
  for (const compiled of rules) {
    for (const location of compiled.locations) {
      const token = extract(location, request.headers, arrived);
      if (token !== undefined) {
        found ??= { token, location };
        break;
      }
    }
  }
  if (!found) return { request: rebuilt(request, headers, url) };

  // `detail` goes to the log; the client sees `shown`, which never names a JWKS URI or why its fetch failed.
  const refuse = (reason: string, detail: string, shown = detail): never => {
    recordSecurityEvent(security, { event: "authn_failure", workload: `${target.namespace}/${(target as { service?: string }).service ?? target.labels.app ?? "-"}`, reason, detail });
    throw new UnauthenticatedError(reason, `Jwt verification fails (${reason}): ${shown}`);
  };
  const { token, location } = found;
  if (token.length > MAX_TOKEN_LENGTH) refuse("jwt_oversized", `token longer than ${MAX_TOKEN_LENGTH} bytes`);
  let issuer: unknown;
  try {
    issuer = decodeJwt(token).iss;
  } catch {
    return refuse("jwt_malformed", "token is not a JWT");
  }
  const compiled = rules.find((r) => r.rule.issuer === issuer && r.locations.some((l) => l.kind === location.kind && l.name === location.name));
  if (!compiled) return refuse("jwt_issuer_unknown", `issuer ${JSON.stringify(issuer)} is not configured for this workload`);
  const { rule } = compiled;

  let payload: JWTPayload;
  try {
    const keys = compiled.inlineKeys ?? (await security.jwks.resolver(rule.jwksUri!, timingOf(env, rule), waitUntil));
    ({ payload } = await jwtVerify(token, keys, {
      issuer: rule.issuer,
      audience: rule.audiences?.length ? rule.audiences : undefined,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch (error) {
    return refuse(...reasonOf(error));
  }
  if (typeof payload.sub !== "string") return refuse("jwt_malformed", "token has no sub");

  if (!rule.forwardOriginalToken) {
    if (location.kind === "header") edit().delete(location.name);
    else if (location.kind === "param") (url = new URL(request.url)).searchParams.delete(location.name);
    else {
      const rest = withoutCookie(request.headers.get("cookie"), location.name);
      if (rest === null) edit().delete("cookie");
      else edit().set("cookie", rest);
    }
  }
  for (const output of rule.outputClaimToHeaders ?? []) {
    const value = (payload as Record<string, unknown>)[output.claim];
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") edit().set(output.header, String(value));
  }
  if (rule.outputPayloadToHeader) edit().set(rule.outputPayloadToHeader, base64urlEncode(JSON.stringify(payload)));
  return { request: rebuilt(request, headers, url), user: { requestPrincipal: `${payload.iss}/${payload.sub}`, claims: payload } };
}

/** The reason, the detail to log, and what the client is told (the detail, but for an unavailable JWKS). */
function reasonOf(error: unknown): [string, string, string?] {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.JWTExpired) return ["jwt_expired", message];
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return ["jwt_wrong_audience", message];
    if (error.claim === "iss") return ["jwt_wrong_issuer", message];
    if (error.claim === "nbf" || error.claim === "iat") return ["jwt_not_yet_valid", message];
    return ["jwt_claims_invalid", message];
  }
  if (error instanceof errors.JWKSNoMatchingKey) return ["jwt_unknown_kid", message];
  if (error instanceof errors.JWSSignatureVerificationFailed) return ["jwt_bad_signature", message];
  if (error instanceof errors.JOSEAlgNotAllowed) return ["jwt_alg_not_allowed", message];
  if (error instanceof JwksUnavailableError) return ["jwks_unavailable", message, "the issuer's signing keys are unavailable"];
  return ["jwt_malformed", message];
}

/** JWKS timing from the env, and the fetch timeout from the rule's `timeout` (Istio's default 5 s). */
function timingOf(env: Record<string, unknown>, rule: JWTRule): JwksTiming {
  const e = env as RequestAuthenticationEnv;
  return {
    ...DEFAULT_JWKS_TIMING,
    ...(rule.timeout ? { timeoutMs: parseDuration(rule.timeout) } : {}),
    ...(e.ISTHMUS_JWKS_REFRESH_MS ? { refreshMs: Number(e.ISTHMUS_JWKS_REFRESH_MS) } : {}),
    ...(e.ISTHMUS_JWKS_MIN_REFETCH_MS ? { minRefetchMs: Number(e.ISTHMUS_JWKS_MIN_REFETCH_MS) } : {}),
  };
}

function extract(location: Location, headers: Headers, url: URL): string | undefined {
  const raw =
    location.kind === "header"
      ? headers.get(location.name)
      : location.kind === "param"
        ? url.searchParams.get(location.name)
        : (cookieValue(headers.get("cookie"), location.name) ?? null);
  if (raw === null) return undefined;
  if (location.prefix && !raw.toLowerCase().startsWith(location.prefix.toLowerCase())) return undefined;
  const token = raw.slice(location.prefix.length).trim();
  return token === "" ? undefined : token;
}

/** The request with what changed, in one copy; itself when nothing did. */
function rebuilt(request: Request, headers: Headers | undefined, url: URL | undefined): Request {
  if (!headers && !url) return request;
  return copyRequest(request, headers ?? new Headers(request.headers), url);
}

/** The jwtRules of every RequestAuthentication that applies to `target`, compiled once per snapshot and workload. */
function rulesFor(mesh: CompiledMesh, target: PolicyTarget): CompiledRule[] {
  return perTarget(mesh, "security:request-authn", target, "", () =>
    mesh
      .ofKind("RequestAuthentication")
      .filter((resource) => appliesTo(resource, target))
      .flatMap((resource) => ((resource.spec as { jwtRules?: JWTRule[] }).jwtRules ?? []).map(compileRule)),
  );
}

function compileRule(rule: JWTRule): CompiledRule {
  // Istio's defaults: `Authorization: Bearer <token>`, then the `access_token` query parameter.
  const explicit = rule.fromHeaders !== undefined || rule.fromParams !== undefined || rule.fromCookies !== undefined;
  const locations: Location[] = explicit
    ? [
        ...(rule.fromHeaders ?? []).map((h) => ({ kind: "header" as const, name: h.name.toLowerCase(), prefix: h.prefix ?? "" })),
        ...(rule.fromParams ?? []).map((name) => ({ kind: "param" as const, name, prefix: "" })),
        ...(rule.fromCookies ?? []).map((name) => ({ kind: "cookie" as const, name, prefix: "" })),
      ]
    : [
        { kind: "header", name: "authorization", prefix: "Bearer " },
        { kind: "param", name: "access_token", prefix: "" },
      ];
  return { rule, locations, inlineKeys: rule.jwks ? createLocalJWKSet(JSON.parse(rule.jwks)) : undefined };
}

/** Inbound stack: end-user JWT for this workload; the verified user lands in `call.peer`. Without rules, nothing to await. */
export const requestAuthenticationInbound: InboundLayer = (request, call, next) => {
  if (rulesFor(call.mesh, call.workload).length === 0) return next(request, call);
  return authenticateEndUser(request, call.mesh, call.workload, call.env, call.waitUntil, call.isolate.security).then((result) => {
    if (result.user) call.peer = { ...call.peer, ...userFacts(result.user) };
    return next(result.request, call);
  });
};

/** Gateway edge: end-user JWT for the gateway workload. Without rules, nothing to await. */
export const requestAuthenticationEdge: OutboundLayer = (request, call, next) => {
  if (rulesFor(call.mesh, call.source).length === 0) return next(request, call);
  return authenticateEndUser(request, call.mesh, call.source, call.env, call.waitUntil, call.isolate.security).then((result) => {
    if (result.user) Object.assign(edgePeer(call), userFacts(result.user));
    return next(result.request, call);
  });
};

function userFacts(user: EndUser): Pick<Peer, "requestPrincipal" | "claims"> {
  return { requestPrincipal: user.requestPrincipal, claims: user.claims as Record<string, unknown> };
}
