import type { z } from "zod";
import { AuthorizationPolicyResource } from "./authorization-policy.ts";
import {
  ClientTLSSettings,
  ConnectionPoolSettings,
  DestinationRuleResource,
  LoadBalancerSettings,
  OutlierDetection,
  Subset,
  TrafficPolicy,
} from "./destination-rule.ts";
import { Percent, PresenceStringMatch, StringMatch, WorkloadSelector } from "./fields.ts";
import { GatewayResource, Server } from "./gateway.ts";
import { GatewayApiGatewayResource, GatewayApiListener } from "./gateway-api-gateway.ts";
import { HTTPRouteResource } from "./http-route.ts";
import { ObjectMeta } from "./metadata.ts";
import { PeerAuthenticationResource } from "./peer-authentication.ts";
import { RequestAuthenticationResource } from "./request-authentication.ts";
import { RolloutResource } from "./rollout.ts";
import { ServiceEntryResource, ServicePort, WorkloadEntry } from "./service-entry.ts";
import { Destination, Headers, HTTPMatchRequest, HTTPRoute, StickyHash, VirtualServiceResource } from "./virtual-service.ts";

/**
 * How the mesh keeps the promise a field makes: `honoured` names the module(s) that act on
 * it; `satisfied` says why Workers make it true by construction. Refused fields are not
 * listed: the schema refuses them by name (`unsupported(...)`).
 */
export type FieldSupport = { honoured: string[]; note?: string } | { satisfied: string };

/** One message of the API (a kind, or a shared part such as TrafficPolicy) and its fields. */
export interface MessageSupport {
  name: string;
  schema: z.ZodType;
  fields: Record<string, FieldSupport>;
}

const TLS_CLIENT_AUTH = "dataplane/edge/tls-client-auth.ts";
const h = (modules: string | string[], note?: string): FieldSupport => ({
  honoured: Array.isArray(modules) ? modules : [modules],
  ...(note ? { note } : {}),
});
const s = (why: string): FieldSupport => ({ satisfied: why });

const CONTROL = "controlplane/config/mesh-control.ts";
const ROUTES = "dataplane/traffic/route-table.ts";
const COMPILED = "dataplane/config/compiled.ts";
const SERVERS = "dataplane/edge/servers.ts";
const AUTHZ = "dataplane/security/authorization.ts";
const SCOPE = "dataplane/security/policy-scope.ts";
const JWT = "dataplane/security/request-authentication.ts";
const GATEWAY_API = "dataplane/config/http-route.ts";
const GATEWAY_API_GATEWAY = "dataplane/config/gateway-api-gateway.ts";
const LISTENERS = "resources/gateway-listeners.ts";
const PORTS = "80 and 8080 are the gateway Worker's plain-HTTP listener, 443 and 8443 its HTTPS one (told apart by the request's scheme); other numbers are refused";
const COOKIE_TTL = "a request without the cookie gets a generated one, routed by and set on the response with this Max-Age (`0s`: a session cookie), as Envoy does";
const ENVELOPE = {
  apiVersion: h("resources/kinds.ts", "one of the versions the kind accepts"),
  kind: h("resources/kinds.ts"),
  metadata: h(CONTROL),
  spec: h(CONTROL),
};

/** Every message of every kind, with what the mesh does with each field it accepts. */
export const FIELD_SUPPORT: readonly MessageSupport[] = [
  {
    name: "ObjectMeta",
    schema: ObjectMeta,
    fields: {
      name: h(CONTROL),
      namespace: h([CONTROL, COMPILED], "default `default`; the namespace short host names are read in"),
      labels: h("controlplane/config/routes/resources.ts", "label selectors when listing"),
      annotations: h(
        ["dataplane/security/authorization.ts", "dataplane/security/peer-authentication.ts", "dataplane/telemetry/sampling.ts"],
        "istio.io/dry-run and the isthmus.io/ annotations (see Extensions)",
      ),
      resourceVersion: h(CONTROL, "optimistic concurrency: 409 on a stale version"),
      generation: h(CONTROL),
      creationTimestamp: h([CONTROL, ROUTES], "VirtualServices for one host merge oldest first"),
      uid: h(CONTROL),
    },
  },
  {
    name: "StringMatch",
    schema: StringMatch,
    fields: { exact: h("dataplane/traffic/string-match.ts"), prefix: h("dataplane/traffic/string-match.ts"), regex: h("dataplane/traffic/string-match.ts", "RE2 full match (re2js, linear time); invalid RE2 refused at apply") },
  },
  {
    name: "StringMatch (headers, queryParams)",
    schema: PresenceStringMatch,
    fields: { exact: h(ROUTES), prefix: h(ROUTES), regex: h(ROUTES, "`{}` asks only for presence") },
  },
  { name: "Percent", schema: Percent, fields: { value: h(["dataplane/traffic/fault.ts", "dataplane/traffic/mirror.ts"], "fractions allowed") } },
  { name: "WorkloadSelector", schema: WorkloadSelector, fields: { matchLabels: h(SCOPE) } },

  // ServiceEntry
  {
    name: "ServiceEntry",
    schema: ServiceEntryResource,
    fields: {
      ...ENVELOPE,
      "spec.hosts": h(COMPILED, "short, namespaced and cluster-local forms name one service"),
      "spec.ports": s("a Worker serves one entry point; ports are recorded and only checked to be HTTP"),
      "spec.location": h("dataplane/security/destination-identity.ts", "MESH_EXTERNAL: no identity is sent"),
      "spec.resolution": s("service bindings need no resolution and Workers resolve origin host names themselves"),
      "spec.endpoints": h([COMPILED, "contracts/snapshot/compile.ts"], "registry endpoints join them"),
      "spec.exportTo": h(COMPILED, "the service is visible only from the listed namespaces"),
    },
  },
  {
    name: "ServicePort",
    schema: ServicePort,
    fields: {
      number: s("recorded; requests carry their own port"),
      protocol: h("resources/service-entry.ts", "must be an HTTP protocol"),
      name: s("a name only"),
    },
  },
  {
    name: "WorkloadEntry (ServiceEntry endpoints)",
    schema: WorkloadEntry,
    fields: {
      address: h("dataplane/outbound/dispatch.ts", "worker://, dispatch:// or an http(s) origin; an origin at a non-public literal IP or localhost needs isthmus.io/allow-private-addresses"),
      labels: h("dataplane/traffic/load-balancer.ts", "select DestinationRule subsets"),
      weight: h(["dataplane/traffic/load-balancer.ts", COMPILED], "share among the subset's endpoints (ROUND_ROBIN, RANDOM, LEAST_REQUEST)"),
      serviceAccount: h("dataplane/security/destination-identity.ts", "the identity the endpoint must prove"),
    },
  },

  // VirtualService
  {
    name: "VirtualService",
    schema: VirtualServiceResource,
    fields: {
      ...ENVELOPE,
      "spec.hosts": h(ROUTES),
      "spec.gateways": h([ROUTES, SERVERS], "`mesh` for sidecars, `ns/name` of Gateways"),
      "spec.http": h("dataplane/outbound/route.ts", "first match wins"),
      "spec.exportTo": h(ROUTES),
    },
  },
  {
    name: "HTTPMatchRequest",
    schema: HTTPMatchRequest,
    fields: {
      name: h(["dataplane/traffic/route-table.ts", "dataplane/telemetry/layers.ts"], "reported as the matched block"),
      uri: h(ROUTES, "on the normalized path"),
      scheme: h(ROUTES),
      method: h(ROUTES),
      authority: h(ROUTES),
      headers: h(ROUTES),
      withoutHeaders: h(ROUTES),
      queryParams: h(ROUTES),
      port: h(ROUTES, "the request URL's port (80/443 by default)"),
      sourceLabels: h(ROUTES, "labels of the verified calling workload"),
      sourceNamespace: h(ROUTES, "namespace of the verified calling workload"),
      gateways: h(ROUTES, "replace the VirtualService's gateways for this block"),
      ignoreUriCase: h(ROUTES),
    },
  },
  {
    name: "HTTPRoute (VirtualService http[])",
    schema: HTTPRoute,
    fields: {
      name: h("dataplane/telemetry/layers.ts", "reported as the route name"),
      match: h(ROUTES),
      route: h("dataplane/outbound/destination.ts"),
      "route[].destination": h("dataplane/outbound/destination.ts"),
      "route[].weight": h(["dataplane/traffic/weighted-split.ts", "dataplane/outbound/destination.ts"], "fractions to 0.01 allowed"),
      "route[].headers": h("dataplane/outbound/headers.ts"),
      redirect: h("dataplane/outbound/redirect.ts"),
      "redirect.uri": h("dataplane/traffic/rewrite.ts"),
      "redirect.authority": h("dataplane/traffic/rewrite.ts"),
      "redirect.port": h("dataplane/traffic/rewrite.ts"),
      "redirect.derivePort": h("dataplane/traffic/rewrite.ts"),
      "redirect.scheme": h("dataplane/traffic/rewrite.ts"),
      "redirect.redirectCode": h("dataplane/traffic/rewrite.ts"),
      "redirect.prefixRewrite": h("dataplane/traffic/rewrite.ts"),
      rewrite: h("dataplane/outbound/rewrite.ts"),
      "rewrite.uri": h("dataplane/traffic/rewrite.ts"),
      "rewrite.authority": h("dataplane/traffic/rewrite.ts"),
      "rewrite.uriRegexRewrite": h("dataplane/traffic/rewrite.ts"),
      "rewrite.uriRegexRewrite.match": h("dataplane/traffic/rewrite.ts"),
      "rewrite.uriRegexRewrite.rewrite": h("dataplane/traffic/rewrite.ts", "RE2 GlobalReplace: `\\0`..`\\9`, `\\\\`; `$` literal; other escapes refused at apply"),
      timeout: h("dataplane/traffic/timeout.ts"),
      retries: h("dataplane/outbound/retry.ts"),
      "retries.attempts": h("dataplane/traffic/retry.ts"),
      "retries.perTryTimeout": h("dataplane/traffic/timeout.ts"),
      "retries.retryOn": h("dataplane/traffic/retry.ts", "HTTP conditions, status codes, and gRPC conditions read from the `grpc-status` header; others refused by name"),
      "retries.retryRemoteLocalities": s("Workers have no localities: any retry may go to any endpoint"),
      "retries.retryIgnorePreviousHosts": h(["dataplane/traffic/retry.ts", "dataplane/outbound/endpoint.ts"], "default true, as in Istio: a retry prefers an endpoint no earlier attempt went to"),
      "retries.backoff": h("dataplane/traffic/retry.ts"),
      fault: h("dataplane/outbound/fault.ts"),
      "fault.delay": h("dataplane/traffic/fault.ts"),
      "fault.delay.fixedDelay": h("dataplane/traffic/fault.ts"),
      "fault.delay.percentage": h("dataplane/traffic/fault.ts"),
      "fault.delay.percent": h("dataplane/traffic/fault.ts", "Istio's deprecated integer form"),
      "fault.abort": h("dataplane/traffic/fault.ts"),
      "fault.abort.httpStatus": h("dataplane/traffic/fault.ts"),
      "fault.abort.percentage": h("dataplane/traffic/fault.ts"),
      mirror: h("dataplane/outbound/mirror.ts"),
      mirrors: h("dataplane/outbound/mirror.ts"),
      "mirrors[].destination": h("dataplane/traffic/mirror.ts"),
      "mirrors[].percentage": h("dataplane/traffic/mirror.ts"),
      mirrorPercentage: h("dataplane/traffic/mirror.ts"),
      corsPolicy: h("dataplane/outbound/cors.ts"),
      "corsPolicy.allowOrigins": h("dataplane/traffic/cors.ts"),
      "corsPolicy.allowOrigin": h("dataplane/traffic/cors.ts", "Istio's deprecated exact-origin list"),
      "corsPolicy.allowMethods": h("dataplane/traffic/cors.ts"),
      "corsPolicy.allowHeaders": h("dataplane/traffic/cors.ts"),
      "corsPolicy.exposeHeaders": h("dataplane/traffic/cors.ts"),
      "corsPolicy.maxAge": h("dataplane/traffic/cors.ts"),
      "corsPolicy.allowCredentials": h("dataplane/traffic/cors.ts"),
      "corsPolicy.unmatchedPreflights": h("dataplane/traffic/cors.ts"),
      headers: h("dataplane/outbound/headers.ts"),
      stickyHash: h("dataplane/outbound/destination.ts", "Isthmus extension"),
    },
  },
  {
    name: "Destination",
    schema: Destination,
    fields: {
      host: h(["dataplane/outbound/destination.ts", COMPILED]),
      subset: h(COMPILED),
      port: s("a Worker endpoint has one entry point; the port selects nothing"),
      "port.number": s("a Worker endpoint has one entry point; the port selects nothing"),
    },
  },
  {
    name: "Headers",
    schema: Headers,
    fields: Object.fromEntries(
      ["request", "request.set", "request.add", "request.remove", "response", "response.set", "response.add", "response.remove"].map((f) => [
        f,
        h(
          "dataplane/traffic/headers.ts",
          f.endsWith("set") || f.endsWith("add")
            ? "values as written (no %VARIABLE% placeholders, no control characters); names are RFC 9110 tokens, never the mesh's own headers"
            : f.endsWith("remove")
              ? "never the mesh's own headers"
              : undefined,
        ),
      ]),
    ),
  },
  {
    name: "StickyHash (Isthmus extension)",
    schema: StickyHash,
    fields: {
      httpHeaderName: h("dataplane/traffic/hash-key.ts"),
      httpCookie: h("dataplane/traffic/hash-key.ts"),
      "httpCookie.name": h("dataplane/traffic/hash-key.ts"),
      "httpCookie.ttl": h("dataplane/outbound/hash-cookie.ts", COOKIE_TTL),
      "httpCookie.path": h("dataplane/outbound/hash-cookie.ts", "the Path of the generated cookie"),
      httpQueryParameterName: h("dataplane/traffic/hash-key.ts"),
      useSourceIp: h("dataplane/traffic/hash-key.ts", "CF-Connecting-IP"),
    },
  },

  // DestinationRule
  {
    name: "DestinationRule",
    schema: DestinationRuleResource,
    fields: {
      ...ENVELOPE,
      "spec.host": h(COMPILED),
      "spec.trafficPolicy": h(COMPILED),
      "spec.subsets": h(COMPILED),
      "spec.exportTo": h(COMPILED, "the rule applies only to clients in the listed namespaces"),
    },
  },
  {
    name: "Subset",
    schema: Subset,
    fields: {
      name: h(COMPILED),
      labels: h("dataplane/traffic/load-balancer.ts"),
      trafficPolicy: h(COMPILED, "overrides the rule's policy field by field"),
    },
  },
  {
    name: "TrafficPolicy",
    schema: TrafficPolicy,
    fields: {
      loadBalancer: h("dataplane/outbound/endpoint.ts"),
      connectionPool: h("dataplane/outbound/circuit-breaker.ts"),
      outlierDetection: h("dataplane/outbound/endpoint.ts"),
      tls: h("dataplane/outbound/terminal.ts"),
      retryBudget: h("dataplane/outbound/retry.ts"),
      "retryBudget.percent": h("dataplane/traffic/retry-budget.ts"),
      "retryBudget.minRetryConcurrency": h("dataplane/traffic/retry-budget.ts", "retries always allowed per budget interval"),
      "retryBudget.budgetInterval": h("dataplane/traffic/retry-budget.ts"),
    },
  },
  {
    name: "LoadBalancerSettings",
    schema: LoadBalancerSettings,
    fields: {
      simple: h("dataplane/traffic/load-balancer.ts", "LEAST_CONN is LEAST_REQUEST; PASSTHROUGH and UNSPECIFIED take the default"),
      consistentHash: h(["dataplane/traffic/load-balancer.ts", "dataplane/outbound/destination.ts"], "also keeps a weighted split sticky"),
      "consistentHash.httpHeaderName": h("dataplane/traffic/hash-key.ts"),
      "consistentHash.httpCookie": h("dataplane/traffic/hash-key.ts"),
      "consistentHash.httpCookie.name": h("dataplane/traffic/hash-key.ts"),
      "consistentHash.httpCookie.ttl": h("dataplane/outbound/hash-cookie.ts", COOKIE_TTL),
      "consistentHash.httpCookie.path": h("dataplane/outbound/hash-cookie.ts", "the Path of the generated cookie"),
      "consistentHash.useSourceIp": h("dataplane/traffic/hash-key.ts", "CF-Connecting-IP"),
      "consistentHash.httpQueryParameterName": h("dataplane/traffic/hash-key.ts"),
      "consistentHash.ringHash": h("dataplane/traffic/load-balancer.ts"),
      "consistentHash.ringHash.minimumRingSize": h("dataplane/traffic/load-balancer.ts"),
      "consistentHash.maglev": h("dataplane/traffic/load-balancer.ts"),
      "consistentHash.maglev.tableSize": h("dataplane/traffic/load-balancer.ts"),
      "consistentHash.minimumRingSize": h("dataplane/traffic/load-balancer.ts", "Istio's deprecated form"),
    },
  },
  {
    name: "ConnectionPoolSettings",
    schema: ConnectionPoolSettings,
    fields: {
      tcp: h("dataplane/outbound/circuit-breaker.ts"),
      "tcp.maxConnections": h("dataplane/outbound/circuit-breaker.ts", "requests in flight per destination subset and isolate (a Worker opens one connection per request); more wait in the pending queue"),
      "tcp.idleTimeout": s("the mesh keeps no idle upstream connections"),
      http: h("dataplane/outbound/circuit-breaker.ts"),
      "http.http1MaxPendingRequests": h("dataplane/outbound/circuit-breaker.ts", "requests waiting for a free slot under maxConnections; one more is refused 503 UO"),
      "http.http2MaxRequests": h("dataplane/outbound/circuit-breaker.ts", "requests in flight per destination subset and isolate; one more is refused 503 UO"),
      "http.maxRetries": h("dataplane/outbound/retry.ts", "retries outstanding at once per destination subset and isolate; past it the failure is returned, flagged UO"),
      "http.maxRequestsPerConnection": s("each service-binding call or origin fetch is its own request: at most one per connection the mesh holds"),
      "http.idleTimeout": s("the mesh keeps no idle upstream connections"),
      "http.maxConcurrentStreams": s("each call is its own request: one stream per connection the mesh holds"),
    },
  },
  {
    name: "OutlierDetection",
    schema: OutlierDetection,
    fields: Object.fromEntries(
      [
        "consecutiveErrors",
        "consecutive5xxErrors",
        "consecutiveGatewayErrors",
        "consecutiveLocalOriginFailures",
        "splitExternalLocalOriginErrors",
        "interval",
        "baseEjectionTime",
        "maxEjectionPercent",
      ].map((f) => [f, h("dataplane/traffic/outlier-detection.ts")] as const).concat([["minHealthPercent", h("dataplane/traffic/load-balancer.ts", "panic mode")]]),
    ),
  },
  {
    name: "ClientTLSSettings",
    schema: ClientTLSSettings,
    fields: {
      mode: h(["dataplane/outbound/terminal.ts", "dataplane/security/outbound-identity.ts"], "ISTIO_MUTUAL is the mesh's JWT-SVID exchange; origins use HTTPS by their URL"),
      credentialName: h("dataplane/outbound/dispatch.ts", "an mTLS certificate binding for origin endpoints (SIMPLE, MUTUAL)"),
    },
  },

  // Gateway
  {
    name: "Gateway",
    schema: GatewayResource,
    fields: { ...ENVELOPE, "spec.selector": h(COMPILED, "labels of the gateway Worker"), "spec.servers": h(SERVERS) },
  },
  {
    name: "Server",
    schema: Server,
    fields: {
      port: h(SERVERS),
      "port.number": h([SERVERS, LISTENERS], PORTS),
      "port.protocol": h("resources/service-entry.ts", "must be an HTTP protocol"),
      "port.name": s("a name only"),
      hosts: h([SERVERS, COMPILED, ROUTES], "`host`, or `ns/host` (`./host` the Gateway's namespace, `*/host` any): only VirtualServices of that namespace bind the host"),
      tls: h([SERVERS, "local/gateway-tls.mjs"], "Cloudflare terminates TLS at the edge; locally the gateway's HTTPS listener (ISTHMUS_GATEWAY_TLS_PORT)"),
      "tls.httpsRedirect": h(SERVERS, "a plain-HTTP request (URL scheme or x-forwarded-proto) is answered 301 to https"),
      "tls.mode": h([SERVERS, TLS_CLIENT_AUTH], "SIMPLE; MUTUAL and OPTIONAL_MUTUAL from `request.cf.tlsClientAuth` (API Shield mTLS; locally verified by the HTTPS listener): 403 `client_cert_missing` / `client_cert_unverified`"),
      "tls.credentialName": h("local/gateway-tls.mjs", "Cloudflare: a custom certificate uploaded for the zone; locally `isthmus credential set` (its ca.crt verifies MUTUAL clients); unset: the mesh CA"),
      name: s("a name only"),
    },
  },

  {
    name: "Gateway (Gateway API)",
    schema: GatewayApiGatewayResource,
    fields: {
      ...ENVELOPE,
      "spec.gatewayClassName": s("`istio` only: the gateway Worker is the class's one gateway"),
      "spec.listeners": h([GATEWAY_API_GATEWAY, SERVERS], "each listener serves as an Istio Gateway server; HTTPRoutes bind to the Gateway as a whole"),
    },
  },
  {
    name: "Listener (Gateway API)",
    schema: GatewayApiListener,
    fields: {
      name: h(GATEWAY_API_GATEWAY, "unique in the Gateway"),
      hostname: h([GATEWAY_API_GATEWAY, SERVERS, COMPILED], "the hosts served, and those an HTTPRoute's hostnames must meet; unset: any"),
      port: h([SERVERS, LISTENERS], PORTS),
      protocol: h("resources/gateway-api-gateway.ts", "HTTP on 80/8080, HTTPS on 443/8443"),
      tls: h([GATEWAY_API_GATEWAY, "local/gateway-tls.mjs"], "HTTPS listeners only: Cloudflare terminates TLS at the edge; locally the gateway's HTTPS listener"),
      "tls.mode": s("Terminate only: the gateway terminates TLS"),
      "tls.certificateRefs": h([GATEWAY_API_GATEWAY, "local/gateway-tls.mjs"], "one Secret by name, as an Istio server's credentialName"),
      "tls.certificateRefs[].group": s('"" only: certificates are Secrets'),
      "tls.certificateRefs[].kind": s("Secret only"),
      "tls.certificateRefs[].name": h([GATEWAY_API_GATEWAY, "local/gateway-tls.mjs"], "the credential's name"),
      allowedRoutes: h([GATEWAY_API_GATEWAY, COMPILED]),
      "allowedRoutes.namespaces": h([GATEWAY_API_GATEWAY, COMPILED]),
      "allowedRoutes.namespaces.from": h([GATEWAY_API_GATEWAY, COMPILED], "Same (default), All, or Selector: which namespaces' HTTPRoutes bind"),
      "allowedRoutes.namespaces.selector": h([GATEWAY_API_GATEWAY, "resources/gateway-api.ts"], "by `kubernetes.io/metadata.name` only: namespaces carry no other labels in the mesh"),
      "allowedRoutes.namespaces.selector.matchLabels": h([GATEWAY_API_GATEWAY, "resources/gateway-api.ts"]),
      "allowedRoutes.namespaces.selector.matchExpressions": h([GATEWAY_API_GATEWAY, "resources/gateway-api.ts"]),
      "allowedRoutes.namespaces.selector.matchExpressions[].key": h("resources/gateway-api.ts", "`kubernetes.io/metadata.name`"),
      "allowedRoutes.namespaces.selector.matchExpressions[].operator": h("resources/gateway-api.ts", "`In`"),
      "allowedRoutes.namespaces.selector.matchExpressions[].values": h("resources/gateway-api.ts"),
      "allowedRoutes.kinds": s("HTTPRoute only: the one route kind the gateway Worker serves"),
      "allowedRoutes.kinds[].group": s("`gateway.networking.k8s.io`"),
      "allowedRoutes.kinds[].kind": s("`HTTPRoute`"),
    },
  },

  // Security
  {
    name: "PeerAuthentication",
    schema: PeerAuthenticationResource,
    fields: {
      ...ENVELOPE,
      "spec.selector": h(SCOPE),
      "spec.mtls": h("dataplane/security/peer-authentication.ts"),
      "spec.mtls.mode": h("dataplane/security/peer-authentication.ts", "STRICT, PERMISSIVE, DISABLE over JWT-SVIDs"),
      "spec.portLevelMtls": h("dataplane/security/peer-authentication.ts"),
      "spec.portLevelMtls{}.mode": h("dataplane/security/peer-authentication.ts"),
    },
  },
  {
    name: "AuthorizationPolicy",
    schema: AuthorizationPolicyResource,
    fields: {
      ...ENVELOPE,
      "spec.selector": h(SCOPE),
      "spec.action": h(AUTHZ, "ALLOW, DENY, AUDIT"),
      "spec.rules": h(AUTHZ),
      ...Object.fromEntries(
        [
          "from",
          "from[].source",
          ...["principals", "requestPrincipals", "namespaces", "serviceAccounts", "ipBlocks", "remoteIpBlocks", "trustDomains"].flatMap((f) => [
            `from[].source.${f}`,
            `from[].source.not${f[0]!.toUpperCase()}${f.slice(1)}`,
          ]),
          "to",
          "to[].operation",
          ...["hosts", "ports", "methods", "paths"].flatMap((f) => [`to[].operation.${f}`, `to[].operation.not${f[0]!.toUpperCase()}${f.slice(1)}`]),
          "when",
          "when[].key",
          "when[].values",
          "when[].notValues",
        ].map((f) => [
          `spec.rules[].${f}`,
          h(
            AUTHZ,
            /[iI]pBlocks/.test(f)
              ? "the client address, CF-Connecting-IP; IPv4-mapped IPv6 matches IPv4 blocks; an unreadable address fails closed"
              : f.includes("paths")
                ? "on the normalized path"
                : undefined,
          ),
        ]),
      ),
    },
  },
  {
    name: "RequestAuthentication",
    schema: RequestAuthenticationResource,
    fields: {
      ...ENVELOPE,
      "spec.selector": h(SCOPE),
      "spec.jwtRules": h(JWT),
      ...Object.fromEntries(
        [
          "issuer",
          "audiences",
          "jwksUri",
          "jwks",
          "fromHeaders",
          "fromHeaders[].name",
          "fromHeaders[].prefix",
          "fromParams",
          "fromCookies",
          "outputPayloadToHeader",
          "forwardOriginalToken",
          "outputClaimToHeaders",
          "outputClaimToHeaders[].header",
          "outputClaimToHeaders[].claim",
        ].map((f) => [`spec.jwtRules[].${f}`, h(JWT)]),
      ),
      "spec.jwtRules[].jwksUri": h(["dataplane/security/jwks.ts", JWT], "cached, refreshed, refetched on an unknown kid; a non-public literal IP or localhost needs isthmus.io/allow-private-addresses"),
      "spec.jwtRules[].jwks": h(JWT, "public signature keys only (RSA of 2048 bits or more, P-256/384/521, Ed25519)"),
      "spec.jwtRules[].timeout": h(["dataplane/security/jwks.ts", JWT], "the JWKS fetch timeout (default 5 s, as in Istio)"),
    },
  },

  // Gateway API
  {
    name: "HTTPRoute (Gateway API)",
    schema: HTTPRouteResource,
    fields: {
      ...ENVELOPE,
      ...Object.fromEntries(
        [
          "spec.parentRefs",
          "spec.parentRefs[].group",
          "spec.parentRefs[].kind",
          "spec.parentRefs[].namespace",
          "spec.parentRefs[].name",
          "spec.hostnames",
          "spec.rules",
          "spec.rules[].name",
          "spec.rules[].matches",
          "spec.rules[].matches[].path",
          "spec.rules[].matches[].path.type",
          "spec.rules[].matches[].path.value",
          "spec.rules[].matches[].headers",
          "spec.rules[].matches[].headers[].type",
          "spec.rules[].matches[].headers[].name",
          "spec.rules[].matches[].headers[].value",
          "spec.rules[].matches[].queryParams",
          "spec.rules[].matches[].queryParams[].type",
          "spec.rules[].matches[].queryParams[].name",
          "spec.rules[].matches[].queryParams[].value",
          "spec.rules[].matches[].method",
          "spec.rules[].filters",
          "spec.rules[].filters[].type",
          "spec.rules[].filters[].requestHeaderModifier",
          "spec.rules[].filters[].requestHeaderModifier.set",
          "spec.rules[].filters[].requestHeaderModifier.set[].name",
          "spec.rules[].filters[].requestHeaderModifier.set[].value",
          "spec.rules[].filters[].requestHeaderModifier.add",
          "spec.rules[].filters[].requestHeaderModifier.add[].name",
          "spec.rules[].filters[].requestHeaderModifier.add[].value",
          "spec.rules[].filters[].requestHeaderModifier.remove",
          "spec.rules[].filters[].responseHeaderModifier",
          "spec.rules[].filters[].responseHeaderModifier.set",
          "spec.rules[].filters[].responseHeaderModifier.set[].name",
          "spec.rules[].filters[].responseHeaderModifier.set[].value",
          "spec.rules[].filters[].responseHeaderModifier.add",
          "spec.rules[].filters[].responseHeaderModifier.add[].name",
          "spec.rules[].filters[].responseHeaderModifier.add[].value",
          "spec.rules[].filters[].responseHeaderModifier.remove",
          "spec.rules[].filters[].requestRedirect",
          "spec.rules[].filters[].requestRedirect.scheme",
          "spec.rules[].filters[].requestRedirect.hostname",
          "spec.rules[].filters[].requestRedirect.path",
          "spec.rules[].filters[].requestRedirect.path.type",
          "spec.rules[].filters[].requestRedirect.path.replaceFullPath",
          "spec.rules[].filters[].requestRedirect.path.replacePrefixMatch",
          "spec.rules[].filters[].requestRedirect.port",
          "spec.rules[].filters[].requestRedirect.statusCode",
          "spec.rules[].filters[].urlRewrite",
          "spec.rules[].filters[].urlRewrite.hostname",
          "spec.rules[].filters[].urlRewrite.path",
          "spec.rules[].filters[].urlRewrite.path.type",
          "spec.rules[].filters[].urlRewrite.path.replaceFullPath",
          "spec.rules[].filters[].urlRewrite.path.replacePrefixMatch",
          "spec.rules[].filters[].requestMirror",
          "spec.rules[].filters[].requestMirror.backendRef",
          "spec.rules[].filters[].requestMirror.backendRef.group",
          "spec.rules[].filters[].requestMirror.backendRef.kind",
          "spec.rules[].filters[].requestMirror.backendRef.name",
          "spec.rules[].filters[].requestMirror.backendRef.namespace",
          "spec.rules[].filters[].requestMirror.percent",
          "spec.rules[].filters[].requestMirror.fraction",
          "spec.rules[].filters[].requestMirror.fraction.numerator",
          "spec.rules[].filters[].requestMirror.fraction.denominator",
          "spec.rules[].backendRefs",
          "spec.rules[].backendRefs[].group",
          "spec.rules[].backendRefs[].kind",
          "spec.rules[].backendRefs[].name",
          "spec.rules[].backendRefs[].namespace",
          "spec.rules[].backendRefs[].weight",
          "spec.rules[].timeouts",
          "spec.rules[].timeouts.request",
          "spec.rules[].timeouts.backendRequest",
          "spec.rules[].retry",
          "spec.rules[].retry.codes",
          "spec.rules[].retry.attempts",
          "spec.rules[].retry.backoff",
        ].map((f) => [f, h(GATEWAY_API, "translated to the VirtualService route it means")]),
      ),
      "spec.rules[].matches[].path.value": h(GATEWAY_API, "PathPrefix matches by characters, as a VirtualService prefix does"),
      "spec.parentRefs[].port": s("a Service has one entry point; a route binds to its Gateway as a whole, on every listener"),
      "spec.rules[].backendRefs[].port": s("a Worker endpoint has one entry point"),
      "spec.rules[].filters[].requestMirror.backendRef.port": s("a Worker endpoint has one entry point"),
    },
  },
  {
    name: "Rollout",
    schema: RolloutResource,
    fields: {
      ...ENVELOPE,
      ...Object.fromEntries(
        ["spec.service", "spec.stableSubset", "spec.canarySubset", "spec.virtualService", "spec.routes"].map((f) => [f, h(["resources/rollout-routes.ts", "controlplane/rollout/traffic.ts"], "the routes whose weights the controller owns")]),
      ),
      ...Object.fromEntries(
        ["spec.steps", "spec.steps[].weight", "spec.stepWeight", "spec.maxWeight", "spec.geometric", "spec.geometric.startWeight", "spec.geometric.factor", "spec.geometric.maxWeight"].map((f) => [f, h("controlplane/rollout/steps.ts", "weights in 0.01 steps, ending at 100 (promotion)")]),
      ),
      ...Object.fromEntries(["spec.steps[].minRequests", "spec.steps[].minDuration", "spec.steps[].approval"].map((f) => [f, h("controlplane/rollout/decide.ts", "gates before a step advances, or before it is entered (approval)")])),
      ...Object.fromEntries(
        ["spec.preStage", "spec.preStage.headers", "spec.preStage.headers[].name", "spec.preStage.headers[].exact", "spec.preStage.cookie", "spec.preStage.cookie.name", "spec.preStage.cookie.value", "spec.mirror", "spec.mirror.percent"].map((f) => [f, h("controlplane/rollout/traffic.ts", "a tester-only route ahead of the driven ones; a mirror to the canary")]),
      ),
      "spec.preStage.minRequests": h("controlplane/rollout/decide.ts"),
      "spec.mirror.minRequests": h("controlplane/rollout/decide.ts"),
      "spec.analysis": h("controlplane/rollout/judge.ts"),
      "spec.analysis.interval": h("controlplane/rollout/controller.ts", "the alarm period and the shortest window"),
      ...Object.fromEntries(
        ["spec.analysis.minRequests", "spec.analysis.successRate", "spec.analysis.successRate.min", "spec.analysis.successRate.confidence", "spec.analysis.latency", "spec.analysis.latency.p99Max", "spec.analysis.latency.p50Max", "spec.analysis.latency.maxRatioToStable"].map((f) => [f, h("controlplane/rollout/judge.ts", "canary vs stable over the same window")]),
      ),
      ...Object.fromEntries(["spec.analysis.custom", "spec.analysis.custom[].name", "spec.analysis.custom[].query", "spec.analysis.custom[].field", "spec.analysis.custom[].min", "spec.analysis.custom[].max"].map((f) => [f, h(["controlplane/rollout/custom-checks.ts", "controlplane/rollout/judge.ts"])])),
      "spec.analysis.failureLimit": h("controlplane/rollout/decide.ts"),
      "spec.rollbackOn": h("controlplane/rollout/judge.ts"),
      "spec.rollbackOn.outlierEjection": h(["controlplane/rollout/counts.ts", "controlplane/rollout/judge.ts"], "canary requests that found no healthy endpoint (UH)"),
      "spec.rollbackOn.exceptions": h(["controlplane/rollout/counts.ts", "controlplane/rollout/judge.ts"], "canary requests its Worker failed without an answer (UF)"),
      ...Object.fromEntries(["spec.webhooks", "spec.webhooks[].name", "spec.webhooks[].url", "spec.webhooks[].events"].map((f) => [f, h("controlplane/rollout/webhooks.ts", "Flagger's event shape")])),
    },
  },
];
