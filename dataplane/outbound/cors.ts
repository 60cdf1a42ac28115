import { compileStringMatch } from "../traffic/string-match.ts";
import { parseDuration } from "../../resources/duration.ts";
import type { OutboundCall, OutboundLayer } from "./call.ts";

type CorsPolicy = NonNullable<NonNullable<OutboundCall["route"]>["route"]["corsPolicy"]>;

function originAllowed(policy: CorsPolicy, origin: string): boolean {
  if (policy.allowOrigins?.some((match) => compileStringMatch(match)(origin))) return true;
  return policy.allowOrigin?.some((allowed) => allowed === "*" || allowed === origin) ?? false;
}

/**
 * The route's `corsPolicy`, answered at the gateway: a preflight (OPTIONS with Origin and
 * Access-Control-Request-Method) from an allowed origin is answered here with the allowed
 * methods, headers and max age; other preflights go on (Istio's FORWARD) unless
 * `unmatchedPreflights: IGNORE`. Actual requests from an allowed origin get
 * Access-Control-Allow-Origin (and credentials, exposed headers) on the response.
 */
export const cors: OutboundLayer = async (request, call, next) => {
  const policy = call.route?.route.corsPolicy;
  const origin = request.headers.get("origin");
  if (!policy || !origin) return next(request, call);
  const allowed = originAllowed(policy, origin);
  const preflight = request.method === "OPTIONS" && request.headers.has("access-control-request-method");
  if (preflight) {
    if (!allowed) {
      return policy.unmatchedPreflights === "IGNORE" ? new Response(null, { status: 200 }) : next(request, call);
    }
    const headers = new Headers({ "access-control-allow-origin": origin, vary: "origin" });
    if (policy.allowMethods?.length) headers.set("access-control-allow-methods", policy.allowMethods.join(","));
    if (policy.allowHeaders?.length) headers.set("access-control-allow-headers", policy.allowHeaders.join(","));
    if (policy.maxAge) headers.set("access-control-max-age", String(Math.floor(parseDuration(policy.maxAge) / 1000)));
    if (policy.allowCredentials) headers.set("access-control-allow-credentials", "true");
    return new Response(null, { status: 200, headers });
  }
  const response = await next(request, call);
  if (!allowed) return response;
  const answer = new Response(response.body, response);
  answer.headers.set("access-control-allow-origin", origin);
  answer.headers.append("vary", "origin");
  if (policy.allowCredentials) answer.headers.set("access-control-allow-credentials", "true");
  if (policy.exposeHeaders?.length) answer.headers.set("access-control-expose-headers", policy.exposeHeaders.join(","));
  return answer;
};
