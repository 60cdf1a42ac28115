import { z } from "zod";
import { Duration, NonEmptyString, PortNumber, Regex, unsupported } from "./fields.ts";
import { HeaderName, HeaderValue, WritableHeaderName } from "./header-name.ts";
import { Dns1123Label } from "./metadata.ts";
import { resourceOf } from "./resource.ts";

const ParentReference = z.strictObject({
  group: z.string().optional(),
  kind: z.enum(["Gateway", "Service"], { error: "must be Gateway (an edge route) or Service (a mesh route)" }).optional(),
  namespace: Dns1123Label.optional(),
  name: NonEmptyString,
  sectionName: unsupported("sectionName", "a route attaches to every server of its Gateway"),
  port: PortNumber.optional(),
});

const BackendObjectReference = {
  group: z.literal("", { error: 'backends are Services: group must be ""' }).optional(),
  kind: z.literal("Service", { error: "backends are Services: kind must be Service" }).optional(),
  name: NonEmptyString,
  namespace: Dns1123Label.optional(),
  port: PortNumber.optional(),
};

const PathMatch = z
  .strictObject({
    type: z.enum(["Exact", "PathPrefix", "RegularExpression"]).optional(),
    value: z.string().optional(),
  })
  .superRefine((m, ctx) => {
    if (m.type === "RegularExpression") {
      const checked = Regex.safeParse(m.value ?? "");
      if (!checked.success) ctx.addIssue({ code: "custom", path: ["value"], message: checked.error.issues[0].message });
    } else if (m.value !== undefined && !m.value.startsWith("/")) {
      ctx.addIssue({ code: "custom", path: ["value"], message: 'must start with "/"' });
    }
  });

function namedMatch(types: [string, ...string[]], name: z.ZodType<string>) {
  return z
    .strictObject({ type: z.enum(types).optional(), name, value: z.string() })
    .superRefine((m, ctx) => {
      if (m.type !== "RegularExpression") return;
      const checked = Regex.safeParse(m.value);
      if (!checked.success) ctx.addIssue({ code: "custom", path: ["value"], message: checked.error.issues[0].message });
    });
}

const HTTPRouteMatch = z.strictObject({
  path: PathMatch.optional(),
  headers: z.array(namedMatch(["Exact", "RegularExpression"], HeaderName)).optional(),
  queryParams: z.array(namedMatch(["Exact", "RegularExpression"], NonEmptyString)).optional(),
  method: z.enum(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]).optional(),
});

const HeaderModifier = z.strictObject({
  set: z.array(z.strictObject({ name: WritableHeaderName, value: HeaderValue })).optional(),
  add: z.array(z.strictObject({ name: WritableHeaderName, value: HeaderValue })).optional(),
  remove: z.array(WritableHeaderName).optional(),
});

const PathModifier = z
  .strictObject({
    type: z.enum(["ReplaceFullPath", "ReplacePrefixMatch"]),
    replaceFullPath: z.string().optional(),
    replacePrefixMatch: z.string().optional(),
  })
  .refine((p) => (p.type === "ReplaceFullPath" ? p.replaceFullPath !== undefined && p.replacePrefixMatch === undefined : p.replacePrefixMatch !== undefined && p.replaceFullPath === undefined), {
    error: "set exactly the field named by type (replaceFullPath or replacePrefixMatch)",
  });

const FILTER_FIELD = {
  RequestHeaderModifier: "requestHeaderModifier",
  ResponseHeaderModifier: "responseHeaderModifier",
  RequestRedirect: "requestRedirect",
  URLRewrite: "urlRewrite",
  RequestMirror: "requestMirror",
} as const;

const HTTPRouteFilter = z
  .strictObject({
    type: z.enum(["RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite", "RequestMirror"], {
      error: "must be one of RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite, RequestMirror",
    }),
    requestHeaderModifier: HeaderModifier.optional(),
    responseHeaderModifier: HeaderModifier.optional(),
    requestRedirect: z
      .strictObject({
        scheme: z.enum(["http", "https"]).optional(),
        hostname: z.string().optional(),
        path: PathModifier.optional(),
        port: PortNumber.optional(),
        statusCode: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)], {
          error: "must be 301, 302, 303, 307 or 308",
        }).optional(),
      })
      .optional(),
    urlRewrite: z.strictObject({ hostname: z.string().optional(), path: PathModifier.optional() }).optional(),
    requestMirror: z
      .strictObject({
        backendRef: z.strictObject(BackendObjectReference),
        percent: z.number().int().min(0, "must be 0..100").max(100, "must be 0..100").optional(),
        fraction: z
          .strictObject({ numerator: z.number().int().min(0), denominator: z.number().int().min(1).optional() })
          .refine((f) => f.numerator <= (f.denominator ?? 100), { error: "numerator must not exceed denominator" })
          .optional(),
      })
      .refine((m) => m.percent === undefined || m.fraction === undefined, { error: "set at most one of percent, fraction" })
      .optional(),
    extensionRef: unsupported("extensionRef", "extension filters are not supported"),
    cors: unsupported("cors", "use a VirtualService corsPolicy"),
  })
  .superRefine((f, ctx) => {
    for (const [type, field] of Object.entries(FILTER_FIELD)) {
      const present = f[field] !== undefined;
      if (type === f.type && !present) ctx.addIssue({ code: "custom", path: [field], message: `is required for type ${type}` });
      if (type !== f.type && present) ctx.addIssue({ code: "custom", path: [field], message: `is only allowed with type ${type}` });
    }
  });

const HTTPBackendRef = z.strictObject({
  ...BackendObjectReference,
  // Gateway API weights are relative (not percentages): 0..1,000,000, default 1.
  weight: z.number().int().min(0, "must be 0..1000000").max(1_000_000, "must be 0..1000000").optional(),
  filters: unsupported("filters", "set filters on the rule"),
});

const HTTPRouteRule = z.strictObject({
  name: z.string().optional(),
  matches: z.array(HTTPRouteMatch).optional(),
  filters: z.array(HTTPRouteFilter).optional(),
  backendRefs: z.array(HTTPBackendRef).optional(),
  timeouts: z.strictObject({ request: Duration.optional(), backendRequest: Duration.optional() }).optional(),
  retry: z
    .strictObject({
      codes: z.array(z.number().int().min(400).max(599)).optional(),
      attempts: z.number().int().min(0).optional(),
      backoff: Duration.optional(),
    })
    .optional(),
  sessionPersistence: unsupported("sessionPersistence", "use the VirtualService stickyHash extension"),
});

export const HTTPRouteSpec = z.strictObject({
  parentRefs: z.array(ParentReference).optional(),
  hostnames: z.array(NonEmptyString).optional(),
  rules: z.array(HTTPRouteRule).optional(),
});

export const HTTPRouteResource = resourceOf("HTTPRoute", HTTPRouteSpec);
/** A Kubernetes Gateway API HTTPRoute. */
export type HTTPRoute = z.infer<typeof HTTPRouteResource>;
