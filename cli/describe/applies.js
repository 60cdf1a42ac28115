// Which resources apply to a service, read as the data plane reads them: routes by host or
// destination, DestinationRules by host, policies by namespace and selector (Istio's scoping,
// dataplane/security/policy-scope.ts, mirrored here in plain JS so the CLI needs no build).
import { fqdn } from "./hosts.js";

/** Istio's root namespace: its policies apply in every namespace. */
export const ROOT_NAMESPACE = "istio-system";

/** @typedef {{ kind?: string, metadata: { name: string, namespace: string, creationTimestamp?: string, resourceVersion?: string }, spec: any }} Resource */

/**
 * How a VirtualService or HTTPRoute concerns the service whose host is `host`: it serves the
 * host ("host"), sends traffic to it ("destination"), both, or not at all (null).
 * @param {Resource} r @param {string} host
 */
export function routeRelation(r, host) {
  const ns = r.metadata.namespace;
  const own = r.kind === "HTTPRoute" ? httpRouteHosts(r) : (r.spec?.hosts ?? []);
  const serves = own.some((/** @type {string} */ h) => fqdn(h, ns) === host);
  const sends = routeDestinations(r).some((d) => d.host === host);
  return serves && sends ? "host and destination" : serves ? "host" : sends ? "destination" : null;
}

/** Hostnames an HTTPRoute serves, with its parent Services (GAMMA mesh routes). @param {Resource} r */
function httpRouteHosts(r) {
  const parents = (r.spec?.parentRefs ?? []).filter((/** @type {any} */ p) => p.kind === "Service").map((/** @type {any} */ p) => (p.namespace ? `${p.name}.${p.namespace}` : p.name));
  return [...(r.spec?.hostnames ?? []), ...parents];
}

/**
 * Every destination a route sends to, with its weight as written.
 * @param {Resource} r @returns {{ host: string, subset?: string, port?: number, weight?: number }[]}
 */
export function routeDestinations(r) {
  const ns = r.metadata.namespace;
  if (r.kind === "HTTPRoute") {
    return (r.spec?.rules ?? []).flatMap((/** @type {any} */ rule) =>
      (rule.backendRefs ?? []).map((/** @type {any} */ b) => ({ host: fqdn(b.namespace ? `${b.name}.${b.namespace}` : b.name, ns), port: b.port, weight: b.weight })),
    );
  }
  return (r.spec?.http ?? []).flatMap((/** @type {any} */ h) =>
    [...(h.route ?? []), ...(h.mirror ? [{ destination: h.mirror }] : [])].map((/** @type {any} */ d) => ({
      host: fqdn(d.destination?.host ?? "", ns),
      subset: d.destination?.subset,
      port: d.destination?.port?.number,
      weight: d.weight,
    })),
  );
}

/**
 * The label sets among `workloads` a policy selects, as Istio scopes it: a policy in the root
 * namespace applies in every namespace, one elsewhere only in its own; no selector selects all.
 * @param {Resource} policy @param {string} namespace @param {Record<string, string>[]} workloads
 */
export function selectedWorkloads(policy, namespace, workloads) {
  const ns = policy.metadata.namespace;
  if (ns !== namespace && ns !== ROOT_NAMESPACE) return [];
  const match = policy.spec?.selector?.matchLabels ?? {};
  return workloads.filter((labels) => Object.entries(match).every(([k, v]) => labels[k] === v));
}

/** Where a policy reaches: the whole mesh, its namespace, or workloads by selector. @param {Resource} policy */
export function policyScope(policy) {
  const match = policy.spec?.selector?.matchLabels;
  if (match && Object.keys(match).length > 0) return `selector ${Object.entries(match).map(([k, v]) => `${k}=${v}`).join(",")}`;
  return policy.metadata.namespace === ROOT_NAMESPACE ? "mesh-wide" : `namespace ${policy.metadata.namespace}`;
}
