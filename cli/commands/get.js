import YAML from "yaml";
import { NAMESPACE_OPTION } from "../command.js";
import { UsageError } from "../errors.js";
import { age, table } from "../output.js";
import { kindOrThrow, listItems, resourcePath } from "../resource-paths.js";

/** @type {import("../command.js").Command} */
export default {
  name: "get",
  summary: "List resources of a kind, or show one",
  usage: "isthmus get KIND [NAME] [-n NS | -A] [-o yaml|json|wide] [-l SELECTOR]",
  examples: [
    ["isthmus get vs", "VirtualServices of namespace default, as a table"],
    ["isthmus get dr reviews -o yaml", "one DestinationRule as YAML"],
    ["isthmus get ap -A -l app=reviews", "AuthorizationPolicies of every namespace labelled app=reviews"],
  ],
  description: `KIND is a kind name, plural, singular or short name: virtualservices (vs),
destinationrules (dr), serviceentries (se), gateways (gw), peerauthentications (pa),
authorizationpolicies (ap), requestauthentications (ra), httproutes, rollouts (ro).`,
  options: {
    namespace: NAMESPACE_OPTION,
    "all-namespaces": { type: "boolean", short: "A", description: "list across all namespaces" },
    output: { type: "string", short: "o", value: "FORMAT", description: "yaml, json or wide (default: a table)" },
    selector: { type: "string", short: "l", value: "SELECTOR", description: "label selector, e.g. app=reviews,version!=v1" },
  },
  args: [1, 2],
  server: true,
  async run({ values, args, out, err, client }) {
    const kind = kindOrThrow(args[0]);
    const name = args[1];
    const format = values.output ?? "table";
    if (!["table", "wide", "yaml", "json"].includes(format)) throw new UsageError(`-o ${format}: use yaml, json or wide`);
    if (name && values["all-namespaces"]) throw new UsageError("a NAME and --all-namespaces cannot be used together");
    const api = await client();

    if (name) {
      const resource = await api.json("GET", resourcePath(kind, values.namespace, name));
      if (format === "yaml") out(YAML.stringify(resource));
      else if (format === "json") out(JSON.stringify(resource, null, 2) + "\n");
      else out(renderTable(kind.kind, [resource], format === "wide", false));
      return 0;
    }

    const all = Boolean(values["all-namespaces"]);
    const path = all ? `/v1/${kind.plural}` : resourcePath(kind, values.namespace);
    const items = listItems(await api.json("GET", path, { query: { labelSelector: values.selector } }));
    if (format === "yaml") out(YAML.stringify({ apiVersion: "v1", kind: "List", items }));
    else if (format === "json") out(JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2) + "\n");
    else if (items.length === 0) err(all ? "No resources found\n" : `No resources found in ${values.namespace} namespace.\n`);
    else out(renderTable(kind.kind, items, format === "wide", all));
    return 0;
  },
};

/**
 * Columns per kind, as Istio's CRDs print them in kubectl; wide adds the routing detail.
 * @type {Record<string, { columns: [string, (r: any) => string][], wide: [string, (r: any) => string][] }>}
 */
const COLUMNS = {
  VirtualService: {
    columns: [
      ["GATEWAYS", (r) => list(r.spec?.gateways)],
      ["HOSTS", (r) => list(r.spec?.hosts)],
    ],
    wide: [["ROUTES", (r) => (r.spec?.http ?? []).map(describeRoute).join(" ")]],
  },
  DestinationRule: {
    columns: [["HOST", (r) => r.spec?.host ?? ""]],
    wide: [["SUBSETS", (r) => (r.spec?.subsets ?? []).map((/** @type {any} */ s) => s.name).join(",")]],
  },
  ServiceEntry: {
    columns: [
      ["HOSTS", (r) => list(r.spec?.hosts)],
      ["LOCATION", (r) => r.spec?.location ?? ""],
      ["RESOLUTION", (r) => r.spec?.resolution ?? ""],
    ],
    wide: [["ENDPOINTS", (r) => (r.spec?.endpoints ?? []).map((/** @type {any} */ e) => e.address).join(",")]],
  },
  Gateway: { columns: [], wide: [["HOSTS", (r) => list((r.spec?.servers ?? []).flatMap((/** @type {any} */ s) => s.hosts ?? []))]] },
  PeerAuthentication: { columns: [["MODE", (r) => r.spec?.mtls?.mode ?? ""]], wide: [["SELECTOR", (r) => labels(r.spec?.selector?.matchLabels)]] },
  AuthorizationPolicy: { columns: [["ACTION", (r) => r.spec?.action ?? "ALLOW"]], wide: [["SELECTOR", (r) => labels(r.spec?.selector?.matchLabels)]] },
  RequestAuthentication: { columns: [], wide: [["ISSUERS", (r) => (r.spec?.jwtRules ?? []).map((/** @type {any} */ j) => j.issuer).join(",")]] },
  HTTPRoute: { columns: [["HOSTNAMES", (r) => list(r.spec?.hostnames)]], wide: [["PARENTS", (r) => (r.spec?.parentRefs ?? []).map((/** @type {any} */ p) => p.name).join(",")]] },
  Rollout: {
    columns: [
      ["SERVICE", (r) => r.spec?.service ?? ""],
      ["PHASE", (r) => r.status?.phase ?? ""],
      ["WEIGHT", (r) => (typeof r.status?.weight === "number" ? `${r.status.weight}%` : "")],
    ],
    wide: [
      ["SUBSETS", (r) => `${r.spec?.stableSubset ?? "?"}->${r.spec?.canarySubset ?? "?"}`],
      ["STEP", (r) => (typeof r.status?.stepIndex === "number" && r.status?.steps?.length ? `${Math.min(r.status.stepIndex + 1, r.status.steps.length)}/${r.status.steps.length}` : "")],
    ],
  },
};

/** @param {string} kind @param {any[]} items @param {boolean} wide @param {boolean} withNamespace */
export function renderTable(kind, items, wide, withNamespace) {
  const spec = COLUMNS[kind] ?? { columns: [], wide: [] };
  const cols = [...spec.columns, ...(wide ? spec.wide : [])];
  const header = [...(withNamespace ? ["NAMESPACE"] : []), "NAME", ...cols.map((c) => c[0]), "AGE"];
  const rows = items.map((r) => [
    ...(withNamespace ? [r.metadata?.namespace ?? ""] : []),
    r.metadata?.name ?? "",
    ...cols.map((c) => c[1](r)),
    age(r.metadata?.creationTimestamp),
  ]);
  return table(header, rows);
}

/** @param {unknown} v */
function list(v) {
  return Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(",")}]` : "";
}

/** @param {Record<string, string> | undefined} m */
function labels(m) {
  return m ? Object.entries(m).map(([k, v]) => `${k}=${v}`).join(",") : "";
}

/** `reviews:v1=90,reviews:v2=10`; a route with matches is prefixed by `match→`. @param {any} h */
function describeRoute(h) {
  const dests = (h.route ?? []).map((/** @type {any} */ d) => `${d.destination?.host ?? "?"}${d.destination?.subset ? `:${d.destination.subset}` : ""}${d.weight !== undefined ? `=${d.weight}` : ""}`).join(",");
  return `${h.match ? "match→" : ""}${dests || (h.redirect ? "redirect" : h.directResponse ? "direct" : "")}`;
}
