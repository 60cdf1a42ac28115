import type { HTTPRoute as GatewayRoute } from "../../resources/http-route.ts";
import type { HTTPMatchRequest, HTTPRoute, VirtualService } from "../../resources/virtual-service.ts";

type Rule = NonNullable<GatewayRoute["spec"]["rules"]>[number];
type Filter = NonNullable<Rule["filters"]>[number];
type Match = NonNullable<Rule["matches"]>[number];
type PathModifier = { type: "ReplaceFullPath" | "ReplacePrefixMatch"; replaceFullPath?: string; replacePrefixMatch?: string };

/**
 * A Gateway API HTTPRoute as the VirtualService it means, so that one route table serves
 * both: parentRefs of kind Gateway bind it to those gateways (`ns/name`), of kind Service
 * to the mesh for that service's host; hostnames become hosts; each rule one http route
 * whose relative backend weights become percentages.
 */
export function virtualServiceOfHttpRoute(route: GatewayRoute): VirtualService {
  const namespace = route.metadata.namespace ?? "default";
  const parents = route.spec.parentRefs ?? [];
  const gateways = parents.map((p) => ((p.kind ?? "Gateway") === "Service" ? "mesh" : `${p.namespace ?? namespace}/${p.name}`));
  const serviceHosts = parents.filter((p) => p.kind === "Service").map((p) => `${p.name}.${p.namespace ?? namespace}`);
  const hosts = [...(route.spec.hostnames ?? []), ...serviceHosts];
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { ...route.metadata, namespace },
    spec: {
      hosts: hosts.length > 0 ? hosts : ["*"],
      gateways: gateways.length > 0 ? [...new Set(gateways)] : ["mesh"],
      http: (route.spec.rules ?? []).map((rule) => httpRouteOf(rule, namespace)),
    },
  };
}

function httpRouteOf(rule: Rule, namespace: string): HTTPRoute {
  const filters = rule.filters ?? [];
  const filter = <T extends Filter["type"]>(type: T) => filters.find((f) => f.type === type);
  const matches = (rule.matches ?? []).map(matchOf);
  const backends = rule.backendRefs ?? [];
  const total = backends.reduce((sum, b) => sum + (b.weight ?? 1), 0);
  const out: HTTPRoute = { ...(rule.name ? { name: rule.name } : {}), ...(matches.length > 0 ? { match: matches } : {}) };
  const redirect = filter("RequestRedirect")?.requestRedirect;
  if (redirect) {
    out.redirect = {
      ...(redirect.scheme ? { scheme: redirect.scheme } : {}),
      ...(redirect.hostname ? { authority: redirect.hostname } : {}),
      ...(redirect.port ? { port: redirect.port } : {}),
      redirectCode: redirect.statusCode ?? 302,
      ...pathOf(redirect.path as PathModifier | undefined, "redirect"),
    };
  } else {
    // No backends: no destination, answered 503 UH (Gateway API asks for a 5xx).
    out.route = backends.map((backend) => ({
      destination: { host: `${backend.name}.${backend.namespace ?? namespace}` },
      weight: total > 0 ? Math.round((10_000 * (backend.weight ?? 1)) / total) / 100 : 0,
    }));
  }
  const rewrite = filter("URLRewrite")?.urlRewrite;
  if (rewrite) out.rewrite = { ...(rewrite.hostname ? { authority: rewrite.hostname } : {}), ...pathOf(rewrite.path as PathModifier | undefined, "rewrite") };
  const request = filter("RequestHeaderModifier")?.requestHeaderModifier;
  const response = filter("ResponseHeaderModifier")?.responseHeaderModifier;
  if (request || response) out.headers = { ...(request ? { request: headerOps(request) } : {}), ...(response ? { response: headerOps(response) } : {}) };
  const mirrors = filters.filter((f) => f.type === "RequestMirror").map((f) => f.requestMirror!);
  if (mirrors.length > 0) {
    out.mirrors = mirrors.map((m) => ({
      destination: { host: `${m.backendRef.name}.${m.backendRef.namespace ?? namespace}` },
      percentage: { value: m.fraction ? (100 * m.fraction.numerator) / (m.fraction.denominator ?? 100) : (m.percent ?? 100) },
    }));
  }
  if (rule.timeouts?.request) out.timeout = rule.timeouts.request;
  if (rule.retry || rule.timeouts?.backendRequest) {
    out.retries = {
      attempts: rule.retry?.attempts ?? (rule.retry ? 2 : 0),
      ...(rule.timeouts?.backendRequest ? { perTryTimeout: rule.timeouts.backendRequest } : {}),
      ...(rule.retry?.codes?.length ? { retryOn: rule.retry.codes.join(",") } : {}),
      ...(rule.retry?.backoff ? { backoff: rule.retry.backoff } : {}),
    };
  }
  return out;
}

function matchOf(match: Match): HTTPMatchRequest {
  const out: HTTPMatchRequest = {};
  const path = match.path;
  if (path) {
    const value = path.value ?? "/";
    if (path.type === "Exact") out.uri = { exact: value };
    else if (path.type === "RegularExpression") out.uri = { regex: value };
    // As a VirtualService prefix (by characters), so ReplacePrefixMatch rewrites it.
    else out.uri = { prefix: value };
  }
  const named = (list: NonNullable<Match["headers"]>) =>
    Object.fromEntries(list.map((m) => [m.name, m.type === "RegularExpression" ? { regex: m.value } : { exact: m.value }]));
  if (match.headers?.length) out.headers = named(match.headers);
  if (match.queryParams?.length) out.queryParams = named(match.queryParams);
  if (match.method) out.method = { exact: match.method };
  return out;
}

function pathOf(path: PathModifier | undefined, kind: "redirect" | "rewrite") {
  if (!path) return {};
  if (path.type === "ReplacePrefixMatch") return kind === "redirect" ? { prefixRewrite: path.replacePrefixMatch! } : { uri: path.replacePrefixMatch! };
  // RE2's rewrite reads `\` as an escape: a backslash in the path is written `\\`.
  return kind === "redirect" ? { uri: path.replaceFullPath! } : { uriRegexRewrite: { match: ".*", rewrite: path.replaceFullPath!.replaceAll("\\", "\\\\") } };
}

function headerOps(modifier: { set?: { name: string; value: string }[]; add?: { name: string; value: string }[]; remove?: string[] }) {
  const record = (list?: { name: string; value: string }[]) => (list ? Object.fromEntries(list.map((h) => [h.name, h.value])) : undefined);
  return {
    ...(modifier.set ? { set: record(modifier.set) } : {}),
    ...(modifier.add ? { add: record(modifier.add) } : {}),
    ...(modifier.remove ? { remove: modifier.remove } : {}),
  };
}
