import { z } from "zod";
import { Duration, ExportTo, NonEmptyString, unsupported } from "./fields.ts";
import { HeaderName } from "./header-name.ts";
import { Labels } from "./metadata.ts";
import { HashCookie } from "./virtual-service.ts";
import { resourceOf } from "./resource.ts";

const ConsistentHash = z
  .strictObject({
    httpHeaderName: HeaderName.optional(),
    httpCookie: HashCookie.optional(),
    useSourceIp: z.boolean().optional(),
    httpQueryParameterName: NonEmptyString.optional(),
    ringHash: z.strictObject({ minimumRingSize: z.number().int().positive().optional() }).optional(),
    maglev: z.strictObject({ tableSize: z.number().int().positive().optional() }).optional(),
    minimumRingSize: z.number().int().positive().optional(),
  })
  .refine(
    (h) => [h.httpHeaderName, h.httpCookie, h.useSourceIp || undefined, h.httpQueryParameterName].filter((v) => v !== undefined).length === 1,
    { error: "must set exactly one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName" },
  )
  .refine((h) => h.ringHash === undefined || h.maglev === undefined, { error: "set at most one of ringHash, maglev" });

export const LoadBalancerSettings = z
  .strictObject({
    simple: z.enum(["UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"]).optional(),
    consistentHash: ConsistentHash.optional(),
    localityLbSetting: unsupported("localityLbSetting", "Workers have no localities to balance between"),
    zoneAwareLbSetting: unsupported("zoneAwareLbSetting", "Workers have no zones to balance between"),
    warmupDurationSecs: unsupported("warmupDurationSecs", "slow start is not supported"),
    warmup: unsupported("warmup", "slow start is not supported"),
  })
  .refine((lb) => lb.simple === undefined || lb.consistentHash === undefined, { error: "set at most one of simple, consistentHash" });

const Count = z.number().int().min(0, "must be 0 or more");

export const ConnectionPoolSettings = z.strictObject({
  tcp: z
    .strictObject({
      maxConnections: Count.optional(),
      connectTimeout: unsupported("connectTimeout", "Workers do not expose connection set-up; bound the request with the route timeout"),
      idleTimeout: Duration.optional(),
      tcpKeepalive: unsupported("tcpKeepalive", "Workers do not control TCP keepalive"),
      maxConnectionDuration: unsupported("maxConnectionDuration", "Workers do not control connection lifetime"),
    })
    .optional(),
  http: z
    .strictObject({
      http1MaxPendingRequests: Count.optional(),
      http2MaxRequests: Count.optional(),
      maxRequestsPerConnection: Count.optional(),
      maxRetries: Count.optional(),
      idleTimeout: Duration.optional(),
      maxConcurrentStreams: Count.optional(),
      h2UpgradePolicy: unsupported("h2UpgradePolicy", "the Workers runtime chooses the HTTP version"),
      useClientProtocol: unsupported("useClientProtocol", "the Workers runtime chooses the HTTP version"),
      http2KeepAlive: unsupported("http2KeepAlive", "Workers do not control HTTP/2 keepalive"),
    })
    .optional(),
});

const Percentage = z.number().int().min(0, "must be 0..100").max(100, "must be 0..100");

export const OutlierDetection = z.strictObject({
  consecutiveErrors: Count.optional(),
  consecutive5xxErrors: Count.optional(),
  consecutiveGatewayErrors: Count.optional(),
  consecutiveLocalOriginFailures: Count.optional(),
  splitExternalLocalOriginErrors: z.boolean().optional(),
  interval: Duration.optional(),
  baseEjectionTime: Duration.optional(),
  maxEjectionPercent: Percentage.optional(),
  minHealthPercent: Percentage.optional(),
  outlierDetectionHttpErrorCodes: unsupported("outlierDetectionHttpErrorCodes", "consecutive5xxErrors and consecutiveGatewayErrors choose which answers count"),
});

const FILES_NOT_SUPPORTED = "certificate files do not exist on Workers; use credentialName";

export const ClientTLSSettings = z.strictObject({
  mode: z.enum(["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"]).optional(),
  credentialName: z.string().optional(),
  subjectAltNames: unsupported("subjectAltNames", "Workers verify an origin's certificate against the host name of its URL"),
  sni: unsupported("sni", "Workers send the host name of the origin URL as SNI"),
  clientCertificate: unsupported("clientCertificate", FILES_NOT_SUPPORTED),
  privateKey: unsupported("privateKey", FILES_NOT_SUPPORTED),
  caCertificates: unsupported("caCertificates", FILES_NOT_SUPPORTED),
  caCrl: unsupported("caCrl", FILES_NOT_SUPPORTED),
  insecureSkipVerify: unsupported("insecureSkipVerify", "Workers always verify origin certificates"),
});

const RetryBudget = z.strictObject({
  percent: z.number().min(0, "must be 0..100").max(100, "must be 0..100").optional(),
  minRetryConcurrency: Count.optional(),
  budgetInterval: Duration.optional(),
});

const policyShape = {
  loadBalancer: LoadBalancerSettings.optional(),
  connectionPool: ConnectionPoolSettings.optional(),
  outlierDetection: OutlierDetection.optional(),
  tls: ClientTLSSettings.optional(),
};

export const TrafficPolicy = z.strictObject({
  ...policyShape,
  portLevelSettings: unsupported("portLevelSettings", "a Worker endpoint has one entry point; set the policy on the rule or a subset"),
  retryBudget: RetryBudget.optional(),
  tunnel: unsupported("tunnel", "HTTP CONNECT tunnels are not supported"),
  proxyProtocol: unsupported("proxyProtocol", "the PROXY protocol is not supported"),
});
export type TrafficPolicy = z.infer<typeof TrafficPolicy>;

export const Subset = z.strictObject({
  name: NonEmptyString,
  labels: Labels.optional(),
  trafficPolicy: TrafficPolicy.optional(),
});
export type Subset = z.infer<typeof Subset>;

export const DestinationRuleSpec = z
  .strictObject({
    host: NonEmptyString,
    trafficPolicy: TrafficPolicy.optional(),
    subsets: z.array(Subset).optional(),
    exportTo: ExportTo.optional(),
    workloadSelector: unsupported("workloadSelector", "a DestinationRule applies to every client it is exported to"),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.subsets?.forEach((subset, i) => {
      if (seen.has(subset.name)) ctx.addIssue({ code: "custom", path: ["subsets", i, "name"], message: `duplicate subset "${subset.name}"` });
      seen.add(subset.name);
    });
  });

export const DestinationRuleResource = resourceOf("DestinationRule", DestinationRuleSpec);
/** An Istio DestinationRule: subsets and traffic policy for one host. */
export type DestinationRule = z.infer<typeof DestinationRuleResource>;
