// Access log: one JSON line per request on stdout (console.log, which Workers Logs and
// `wrangler tail` collect), with Envoy's field names. On by default, sampled per route.
// Only named request facts are logged, and every value is scrubbed: never a token.
import { redactPath, redactText } from "../../reporting/redact.ts";
import { DEFAULT_ACCESS_LOG_SAMPLING, parsePercent, shouldSample } from "./sampling.ts";

export type AccessLogEnv = {
  /** "off" disables the access log. */
  ISTHMUS_ACCESS_LOG?: string;
  /** Percent of requests logged mesh-wide (default 100). */
  ISTHMUS_ACCESS_LOG_SAMPLING?: string;
};

/** The facts of one finished request. */
export type AccessLogEntry = {
  /** Epoch ms when the request arrived. */
  startTime: number;
  durationMs: number;
  request: Request;
  responseCode: number;
  responseFlags: string;
  bytesReceived?: number;
  bytesSent?: number;
  /** The endpoint reached, e.g. worker://reviews-v2. */
  upstreamHost?: string;
  /** Destination service and subset, Envoy style: outbound|v2|reviews.default.svc.cluster.local */
  upstreamCluster?: string;
  routeName?: string;
  sourcePrincipal?: string;
  destinationPrincipal?: string;
  traceId?: string;
  reporter?: string;
};

/** The JSON line for one request. */
export function accessLogLine(e: AccessLogEntry): string {
  const url = new URL(e.request.url);
  const h = e.request.headers;
  const cf = (e.request as { cf?: { httpProtocol?: string } }).cf;
  const record = {
    start_time: new Date(e.startTime).toISOString(),
    method: e.request.method,
    path: redactPath(url.pathname + url.search),
    protocol: cf?.httpProtocol ?? "HTTP/1.1",
    response_code: e.responseCode,
    response_flags: e.responseFlags || "-",
    bytes_received: e.bytesReceived ?? null,
    bytes_sent: e.bytesSent ?? null,
    duration: Math.round(e.durationMs),
    upstream_host: e.upstreamHost ?? null,
    upstream_cluster: e.upstreamCluster ?? null,
    route_name: e.routeName ?? null,
    x_forwarded_for: header(h, "x-forwarded-for") ?? header(h, "cf-connecting-ip"),
    user_agent: header(h, "user-agent"),
    request_id: header(h, "x-request-id") ?? header(h, "cf-ray"),
    authority: header(h, "host") ?? url.host,
    source_principal: e.sourcePrincipal ?? null,
    destination_principal: e.destinationPrincipal ?? null,
    trace_id: e.traceId ?? null,
    reporter: e.reporter ?? null,
  };
  return JSON.stringify(record);
}

/** True when this request is logged: the access log is on and the sample falls in the route's percent. Decide before building the entry. */
export function accessLogSampled(env: AccessLogEnv, routePercent?: number, random?: () => number): boolean {
  if (env.ISTHMUS_ACCESS_LOG === "off") return false;
  return shouldSample(routePercent ?? parsePercent(env.ISTHMUS_ACCESS_LOG_SAMPLING) ?? DEFAULT_ACCESS_LOG_SAMPLING, random);
}

function header(headers: Headers, name: string): string | null {
  const value = headers.get(name);
  return value === null ? null : redactText(value).slice(0, 1024);
}
