import { parseDuration } from "../../resources/duration.ts";
import type { HTTPRoute } from "../../resources/virtual-service.ts";
import { compileStringMatch, type StringMatcher } from "./string-match.ts";

type CorsPolicy = NonNullable<HTTPRoute["corsPolicy"]>;

/** Whether a request is a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. */
export function isPreflight(request: Pick<Request, "method" | "headers">): boolean {
  return request.method === "OPTIONS" && request.headers.has("origin") && request.headers.has("access-control-request-method");
}

/** What to do with a preflight. */
export type PreflightAnswer =
  /** Answer it here with this response. */
  | { kind: "respond"; response: Response }
  /** The origin is not allowed: pass the request on upstream, untouched (Istio's default). */
  | { kind: "forward" };

/**
 * A route's `corsPolicy` compiled once: origins by StringMatch (`allowOrigins`, or the
 * deprecated exact `allowOrigin` list where `*` allows all). An allowed origin is echoed
 * back; an origin that is not allowed gets no CORS headers at all.
 */
export class Cors {
  private readonly origins: StringMatcher[];
  private readonly maxAgeSeconds?: number;

  constructor(private readonly policy: CorsPolicy) {
    this.origins = [
      ...(policy.allowOrigins ?? []).map((m) => compileStringMatch(m)),
      ...(policy.allowOrigin ?? []).map((o): StringMatcher => (o === "*" ? () => true : (value) => value === o)),
    ];
    if (policy.maxAge !== undefined) this.maxAgeSeconds = Math.floor(parseDuration(policy.maxAge) / 1000);
  }

  /** Whether `origin` is allowed. */
  allows(origin: string | null): origin is string {
    return origin !== null && this.origins.some((match) => match(origin));
  }

  /**
   * Answers a preflight (check {@link isPreflight} first): 200 with Allow-Origin, -Methods,
   * -Headers, -Max-Age and -Credentials for an allowed origin. For one that is not, forward
   * it upstream, or with `unmatchedPreflights: IGNORE` answer 200 without CORS headers.
   */
  preflight(request: Pick<Request, "headers">): PreflightAnswer {
    const origin = request.headers.get("origin");
    if (!this.allows(origin)) {
      return this.policy.unmatchedPreflights === "IGNORE" ? { kind: "respond", response: new Response(null, { status: 200 }) } : { kind: "forward" };
    }
    const headers = new Headers({ "access-control-allow-origin": origin, vary: "Origin" });
    if (this.policy.allowMethods?.length) headers.set("access-control-allow-methods", this.policy.allowMethods.join(","));
    if (this.policy.allowHeaders?.length) headers.set("access-control-allow-headers", this.policy.allowHeaders.join(","));
    if (this.maxAgeSeconds !== undefined) headers.set("access-control-max-age", String(this.maxAgeSeconds));
    if (this.policy.allowCredentials) headers.set("access-control-allow-credentials", "true");
    return { kind: "respond", response: new Response(null, { status: 200, headers }) };
  }

  /**
   * Adds CORS headers for an actual (non-preflight) request's response: Allow-Origin,
   * Expose-Headers, Allow-Credentials and `Vary: Origin`, only when the origin is allowed.
   */
  applyToResponse(requestHeaders: Headers, responseHeaders: Headers): void {
    const origin = requestHeaders.get("origin");
    if (!this.allows(origin)) return;
    responseHeaders.set("access-control-allow-origin", origin);
    responseHeaders.append("vary", "Origin");
    if (this.policy.exposeHeaders?.length) responseHeaders.set("access-control-expose-headers", this.policy.exposeHeaders.join(","));
    if (this.policy.allowCredentials) responseHeaders.set("access-control-allow-credentials", "true");
  }
}
