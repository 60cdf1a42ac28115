import { z } from "zod";
import { RETRY_ON } from "./retry-on.ts";
import {
  Duration,
  ExportTo,
  NonEmptyString,
  Percent,
  PortNumber,
  PresenceStringMatch,
  RegexRewrite,
  StringMatch,
  Weight,
  unsupported,
} from "./fields.ts";
import { HeaderName, HeaderValue, HttpToken, WritableHeaderName } from "./header-name.ts";
import { Dns1123Label, Labels } from "./metadata.ts";
import { resourceOf } from "./resource.ts";

export const Destination = z.strictObject({
  host: NonEmptyString,
  subset: z.string().optional(),
  port: z.strictObject({ number: PortNumber }).optional(),
});
export type Destination = z.infer<typeof Destination>;

// Envoy's `%VARIABLE%` substitutions (`%DOWNSTREAM_REMOTE_ADDRESS%`, `%REQ(x-id)%`).
const PLACEHOLDER = /%[A-Z][A-Z0-9_]*(\([^)]*\))?(:[0-9]+)?%/;
const RouteHeaderValue = HeaderValue.refine((value) => !PLACEHOLDER.test(value), {
  error: "unsupported header value placeholder (%VARIABLE%): values are sent as written",
});

const HeaderOperations = z.strictObject({
  set: z.record(WritableHeaderName, RouteHeaderValue).optional(),
  add: z.record(WritableHeaderName, RouteHeaderValue).optional(),
  remove: z.array(WritableHeaderName).optional(),
});

export const Headers = z.strictObject({
  request: HeaderOperations.optional(),
  response: HeaderOperations.optional(),
});
export type Headers = z.infer<typeof Headers>;

export const HTTPMatchRequest = z.strictObject({
  name: z.string().optional(),
  uri: StringMatch.optional(),
  scheme: StringMatch.optional(),
  method: StringMatch.optional(),
  authority: StringMatch.optional(),
  headers: z.record(HeaderName, PresenceStringMatch).optional(),
  withoutHeaders: z.record(HeaderName, PresenceStringMatch).optional(),
  queryParams: z.record(z.string(), PresenceStringMatch).optional(),
  port: PortNumber.optional(),
  sourceLabels: Labels.optional(),
  sourceNamespace: Dns1123Label.optional(),
  gateways: z.array(NonEmptyString).optional(),
  ignoreUriCase: z.boolean().optional(),
  statPrefix: unsupported("statPrefix", "per-route stat prefixes are not supported"),
});
export type HTTPMatchRequest = z.infer<typeof HTTPMatchRequest>;

export const HTTPRouteDestination = z.strictObject({
  destination: Destination,
  weight: Weight.optional(),
  headers: Headers.optional(),
});
export type HTTPRouteDestination = z.infer<typeof HTTPRouteDestination>;

const HTTPRedirect = z
  .strictObject({
    uri: z.string().optional(),
    authority: z.string().optional(),
    port: PortNumber.optional(),
    derivePort: z.enum(["FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"]).optional(),
    scheme: z.string().optional(),
    redirectCode: z.number().int().min(300, "must be a 3xx status").max(399, "must be a 3xx status").optional(),
    prefixRewrite: z.string().optional(),
  })
  .refine((r) => r.port === undefined || r.derivePort === undefined, { error: "set at most one of port, derivePort" })
  .refine((r) => r.uri === undefined || r.prefixRewrite === undefined, { error: "set at most one of uri, prefixRewrite" });

const HTTPRewrite = z
  .strictObject({
    uri: z.string().optional(),
    authority: z.string().optional(),
    uriRegexRewrite: RegexRewrite.optional(),
  })
  .refine((r) => r.uri === undefined || r.uriRegexRewrite === undefined, { error: "set at most one of uri, uriRegexRewrite" });


const RetryOn = z.string().superRefine((text, ctx) => {
  for (const token of text.split(",").map((t) => t.trim()).filter(Boolean)) {
    if (!/^\d{3}$/.test(token) && !RETRY_ON.includes(token)) {
      ctx.addIssue({ code: "custom", message: `unsupported retryOn condition "${token}": use ${RETRY_ON.join(", ")} or a status code` });
    }
  }
});

const HTTPRetry = z.strictObject({
  attempts: z.number().int().min(0, "must be 0 or more"),
  perTryTimeout: Duration.optional(),
  retryOn: RetryOn.optional(),
  retryRemoteLocalities: z.boolean().optional(),
  retryIgnorePreviousHosts: z.boolean().optional(),
  backoff: Duration.optional(),
});

const HTTPFaultInjection = z
  .strictObject({
    delay: z
      .strictObject({
        fixedDelay: Duration,
        percentage: Percent.optional(),
        percent: z.number().int().min(0, "must be 0..100").max(100, "must be 0..100").optional(),
        exponentialDelay: unsupported("exponentialDelay", "only fixedDelay is supported"),
      })
      .optional(),
    abort: z
      .strictObject({
        httpStatus: z.number().int().min(200, "must be an HTTP status 200..599").max(599, "must be an HTTP status 200..599"),
        percentage: Percent.optional(),
        grpcStatus: unsupported("grpcStatus", "only httpStatus aborts are supported"),
        http2Error: unsupported("http2Error", "only httpStatus aborts are supported"),
      })
      .optional(),
  })
  .refine((f) => f.delay !== undefined || f.abort !== undefined, { error: "must set delay or abort" });

const HTTPMirrorPolicy = z.strictObject({
  destination: Destination,
  percentage: Percent.optional(),
});

const CorsPolicy = z.strictObject({
  allowOrigins: z.array(StringMatch).optional(),
  allowOrigin: z.array(HeaderValue).optional(),
  allowMethods: z.array(HttpToken).optional(),
  allowHeaders: z.array(HeaderName).optional(),
  // Exposing the mesh's response headers would hand callee identity proofs to page scripts.
  exposeHeaders: z.array(WritableHeaderName).optional(),
  maxAge: Duration.optional(),
  allowCredentials: z.boolean().optional(),
  unmatchedPreflights: z.enum(["UNSPECIFIED", "FORWARD", "IGNORE"]).optional(),
});

/** A consistent-hash cookie: its name and path are written into `Set-Cookie` when it has a ttl. */
export const HashCookie = z.strictObject({
  name: HttpToken,
  path: z.string().regex(/^[\x21-\x3a\x3c-\x7e]*$/, "must be a cookie path: visible characters other than ;").optional(),
  ttl: Duration.optional(),
});

/**
 * Isthmus extension (not in Istio): `http[].stickyHash` keeps one user on one destination of a
 * weighted split, hashed from the named header, cookie, query parameter or source IP, while the
 * weights still hold across users. Istio cannot combine consistent hashing with weighted
 * subsets. Exactly one key, with DestinationRule consistentHash's field names.
 */
export const StickyHash = z
  .strictObject({
    httpHeaderName: HeaderName.optional(),
    httpCookie: HashCookie.optional(),
    httpQueryParameterName: NonEmptyString.optional(),
    useSourceIp: z.literal(true).optional(),
  })
  .refine((s) => Object.values(s).filter((v) => v !== undefined).length === 1, {
    error: "must set exactly one of httpHeaderName, httpCookie, httpQueryParameterName, useSourceIp",
  });
export type StickyHash = z.infer<typeof StickyHash>;

export const HTTPRoute = z
  .strictObject({
    name: z.string().optional(),
    match: z.array(HTTPMatchRequest).optional(),
    route: z.array(HTTPRouteDestination).min(1, "must name at least one destination").optional(),
    redirect: HTTPRedirect.optional(),
    rewrite: HTTPRewrite.optional(),
    timeout: Duration.optional(),
    retries: HTTPRetry.optional(),
    fault: HTTPFaultInjection.optional(),
    mirror: Destination.optional(),
    mirrors: z.array(HTTPMirrorPolicy).optional(),
    mirrorPercentage: Percent.optional(),
    corsPolicy: CorsPolicy.optional(),
    headers: Headers.optional(),
    stickyHash: StickyHash.optional(),
    directResponse: unsupported("directResponse", "use a route or a redirect"),
    delegate: unsupported("delegate", "VirtualService delegation is not supported"),
    mirrorPercent: unsupported("mirrorPercent", "deprecated in Istio; use mirrorPercentage"),
  })
  .superRefine((r, ctx) => {
    if (r.route === undefined && r.redirect === undefined) {
      ctx.addIssue({ code: "custom", message: "must set route or redirect" });
    }
    if (r.route !== undefined && r.redirect !== undefined) {
      ctx.addIssue({ code: "custom", path: ["redirect"], message: "a route with redirect cannot also have route destinations" });
    }
    if (r.mirror !== undefined && r.mirrors !== undefined) {
      ctx.addIssue({ code: "custom", path: ["mirrors"], message: "set at most one of mirror, mirrors" });
    }
  });
/** One entry of a VirtualService's `http` list (Istio's HTTPRoute message). */
export type HTTPRoute = z.infer<typeof HTTPRoute>;

export const VirtualServiceSpec = z.strictObject({
  hosts: z.array(NonEmptyString).min(1, "must name at least one host"),
  gateways: z.array(NonEmptyString).optional(),
  http: z.array(HTTPRoute).optional(),
  exportTo: ExportTo.optional(),
  tcp: unsupported("tcp", "Isthmus routes HTTP only"),
  tls: unsupported("tls", "Isthmus routes HTTP only; TLS is terminated by Cloudflare"),
});

export const VirtualServiceResource = resourceOf("VirtualService", VirtualServiceSpec);
/** An Istio VirtualService: HTTP routing rules for a set of hosts. */
export type VirtualService = z.infer<typeof VirtualServiceResource>;
