import { NAMESPACE_OPTION } from "../command.js";
import { UsageError } from "../errors.js";
import { findKind } from "../kinds.js";
import { listItems, resourcePath } from "../resource-paths.js";

const VS = /** @type {import("../kinds.js").KindInfo} */ (findKind("VirtualService"));
const DR = /** @type {import("../kinds.js").KindInfo} */ (findKind("DestinationRule"));

/** @type {import("../command.js").Command} */
export default {
  name: "split",
  summary: "Set the weighted split of a service's traffic across its subsets",
  usage: "isthmus split SERVICE SUBSET=WEIGHT... [--sticky-header H | --sticky-cookie C | --sticky-query Q] [-n NS]",
  examples: [
    ["isthmus split reviews v1=90 v2=10", "send 10% of reviews' traffic to v2"],
    ["isthmus split reviews v2=100 --sticky-cookie user", "everything to v2, each client kept on one subset by its user cookie"],
  ],
  description: `Edits the catch-all route of the VirtualService for SERVICE (creating the
VirtualService when there is none), e.g. "isthmus split reviews v1=90 v2=10". Weights must
add up to 100 and may be fractional. The write carries the resourceVersion read, so a
concurrent change makes it fail with exit 6 instead of being overwritten.
A --sticky-* option makes each client keep its subset: it sets the consistent hash of the
service's DestinationRule (which Isthmus applies to the subset choice).`,
  options: {
    namespace: NAMESPACE_OPTION,
    "sticky-header": { type: "string", value: "HEADER", description: "keep a client on one subset by this request header" },
    "sticky-cookie": { type: "string", value: "COOKIE", description: "keep a client on one subset by this cookie" },
    "sticky-query": { type: "string", value: "PARAM", description: "keep a client on one subset by this query parameter" },
  },
  args: [2, 64],
  server: true,
  async run({ values, args, out, err, client }) {
    const [service, ...pairs] = args;
    const weights = parseWeights(pairs);
    const sticky = stickyHash(values);
    const namespace = values.namespace;
    const api = await client();

    const services = listItems(await api.json("GET", resourcePath(VS, namespace)));
    const existing = pickVirtualService(services, service, namespace);
    const route = weights.map(([subset, weight]) => ({ destination: { host: service, subset }, weight }));
    const vs = existing ? withCatchAllRoute(existing, route) : newVirtualService(service, namespace, route);
    // PUT with the resourceVersion just read: the server refuses (409) if someone wrote in between.
    await api.json("PUT", resourcePath(VS, namespace, vs.metadata.name), { json: vs });
    const summary = weights.map(([s, w]) => `${s}=${w}`).join(" ");
    out(`virtualservice.networking.istio.io/${vs.metadata.name} ${existing ? "configured" : "created"}: ${service} ${summary}\n`);

    const rules = listItems(await api.json("GET", resourcePath(DR, namespace)));
    const rule = rules.find((r) => sameHost(r.spec?.host, service, namespace));
    if (sticky) {
      const next = rule ? withConsistentHash(rule, sticky) : newDestinationRule(service, namespace, weights.map(([s]) => s), sticky);
      await api.json("PUT", resourcePath(DR, namespace, next.metadata.name), { json: next });
      out(`destinationrule.networking.istio.io/${next.metadata.name} ${rule ? "configured" : "created"}: sticky by ${describeSticky(sticky)}\n`);
    }
    const defined = new Set((rule?.spec?.subsets ?? []).map((/** @type {any} */ s) => s.name));
    const missing = weights.map(([s]) => s).filter((s) => !defined.has(s));
    if (missing.length && (rule || !sticky)) err(`warning: no DestinationRule for ${service} defines subset ${missing.join(", ")}; requests to it will fail with no healthy upstream\n`);
    return 0;
  },
};

/** @param {string[]} pairs @returns {[string, number][]} */
export function parseWeights(pairs) {
  /** @type {[string, number][]} */
  const weights = [];
  for (const pair of pairs) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)=(\d+(?:\.\d+)?)$/.exec(pair);
    if (!m) throw new UsageError(`"${pair}" is not SUBSET=WEIGHT (e.g. v1=90)`);
    const weight = Number(m[2]);
    if (weight > 100) throw new UsageError(`${pair}: a weight is at most 100`);
    if (weights.some(([s]) => s === m[1])) throw new UsageError(`subset ${m[1]} is given twice`);
    weights.push([m[1], weight]);
  }
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  if (Math.abs(total - 100) > 1e-9) throw new UsageError(`weights add up to ${+total.toFixed(6)}, not 100`);
  return weights;
}

/** @param {Record<string, any>} values */
function stickyHash(values) {
  const given = [
    values["sticky-header"] !== undefined && { httpHeaderName: values["sticky-header"] },
    values["sticky-cookie"] !== undefined && { httpCookie: { name: values["sticky-cookie"], ttl: "0s" } },
    values["sticky-query"] !== undefined && { httpQueryParameterName: values["sticky-query"] },
  ].filter(Boolean);
  if (given.length > 1) throw new UsageError("give only one of --sticky-header, --sticky-cookie, --sticky-query");
  return /** @type {Record<string, any> | undefined} */ (given[0] || undefined);
}

/** @param {Record<string, any>} hash */
function describeSticky(hash) {
  if (hash.httpHeaderName) return `header ${hash.httpHeaderName}`;
  if (hash.httpCookie) return `cookie ${hash.httpCookie.name}`;
  return `query parameter ${hash.httpQueryParameterName}`;
}

/**
 * `reviews`, `reviews.default` and `reviews.default.svc.cluster.local` name one service.
 * @param {string | undefined} host @param {string} service @param {string} namespace
 */
function sameHost(host, service, namespace) {
  if (!host) return false;
  const short = (/** @type {string} */ h) => (h.endsWith(`.${namespace}.svc.cluster.local`) ? h.slice(0, -`.${namespace}.svc.cluster.local`.length) : h.endsWith(`.${namespace}`) ? h.slice(0, -namespace.length - 1) : h);
  return short(host) === short(service);
}

/**
 * The mesh-internal VirtualService for the service: hosts it, not bound to a gateway only.
 * @param {any[]} all @param {string} service @param {string} namespace
 */
function pickVirtualService(all, service, namespace) {
  const candidates = all.filter((vs) => (vs.spec?.hosts ?? []).some((/** @type {string} */ h) => sameHost(h, service, namespace)) && (!vs.spec?.gateways?.length || vs.spec.gateways.includes("mesh")));
  return candidates.find((vs) => vs.metadata?.name === service) ?? candidates[0];
}

/** Replace the route of the last http entry without match (the catch-all), or append one. @param {any} vs @param {any[]} route */
function withCatchAllRoute(vs, route) {
  const http = [...(vs.spec.http ?? [])];
  const index = http.findLastIndex((h) => !h.match || h.match.length === 0);
  if (index === -1) http.push({ route });
  else {
    const { redirect, directResponse, ...rest } = http[index];
    http[index] = { ...rest, route };
  }
  return { ...vs, spec: { ...vs.spec, http } };
}

/** @param {string} service @param {string} namespace @param {any[]} route */
function newVirtualService(service, namespace, route) {
  return { apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: service.split(".")[0], namespace }, spec: { hosts: [service], http: [{ route }] } };
}

/** @param {any} rule @param {Record<string, any>} hash */
function withConsistentHash(rule, hash) {
  const policy = rule.spec.trafficPolicy ?? {};
  return { ...rule, spec: { ...rule.spec, trafficPolicy: { ...policy, loadBalancer: { consistentHash: hash } } } };
}

/** @param {string} service @param {string} namespace @param {string[]} subsets @param {Record<string, any>} hash */
function newDestinationRule(service, namespace, subsets, hash) {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name: service.split(".")[0], namespace },
    spec: { host: service, trafficPolicy: { loadBalancer: { consistentHash: hash } }, subsets: subsets.map((name) => ({ name, labels: { version: name } })) },
  };
}
