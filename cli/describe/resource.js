// `isthmus describe KIND NAME` for a resource: the resource, whom it applies to, and what
// the analyzer finds about it.
import YAML from "yaml";
import { age } from "../output.js";
import { listItems, resourcePath } from "../resource-paths.js";
import { policyScope, routeDestinations } from "./applies.js";
import { fqdn } from "./hosts.js";

/**
 * @param {import("../client.js").ControlClient} api @param {import("../kinds.js").KindInfo} kind
 * @param {string} name @param {string} namespace
 */
export async function resourceFacts(api, kind, name, namespace) {
  const [resource, analysis, virtualServices] = await Promise.all([
    api.json("GET", resourcePath(kind, namespace, name)),
    api.json("GET", "/v1/analyze"),
    kind.kind === "Gateway" ? api.json("GET", "/v1/virtualservices").then(listItems) : Promise.resolve([]),
  ]);
  const findings = (analysis?.findings ?? []).filter(
    (/** @type {any} */ f) => f.resource?.kind === kind.kind && f.resource?.namespace === namespace && f.resource?.name === name,
  );
  return { kind: kind.kind, resource, findings, appliesTo: appliesTo(kind.kind, resource, virtualServices) };
}

/**
 * What a resource reaches, in words: hosts, destinations, selected workloads, bound routes.
 * @param {string} kind @param {any} r @param {any[]} virtualServices
 * @returns {string[]}
 */
function appliesTo(kind, r, virtualServices) {
  const ns = r.metadata.namespace;
  const spec = r.spec ?? {};
  const hosts = (/** @type {string[]} */ list) => list.map((h) => fqdn(h, ns));
  switch (kind) {
    case "VirtualService":
    case "HTTPRoute": {
      const served = hosts(kind === "HTTPRoute" ? (spec.hostnames ?? []) : (spec.hosts ?? []));
      const sent = [...new Set(routeDestinations({ ...r, kind }).map((d) => d.host))];
      return [
        `serves hosts: ${served.join(", ") || "-"}`,
        `routes to: ${sent.join(", ") || "-"}`,
        ...(spec.gateways?.length ? [`gateways: ${spec.gateways.join(", ")}`] : []),
        ...(spec.parentRefs?.length ? [`parents: ${spec.parentRefs.map((/** @type {any} */ p) => `${p.kind ?? "Gateway"} ${p.name}`).join(", ")}`] : []),
      ];
    }
    case "DestinationRule":
      return [`host: ${fqdn(spec.host ?? "", ns)}`, `subsets: ${(spec.subsets ?? []).map((/** @type {any} */ s) => s.name).join(", ") || "-"}`];
    case "ServiceEntry":
      return [`hosts: ${hosts(spec.hosts ?? []).join(", ")}`, `endpoints: ${(spec.endpoints ?? []).map((/** @type {any} */ e) => e.address).join(", ") || "- (registry only)"}`];
    case "Gateway": {
      const bound = virtualServices.filter((vs) =>
        (vs.spec?.gateways ?? []).some((/** @type {string} */ g) => g === `${ns}/${r.metadata.name}` || (g === r.metadata.name && vs.metadata.namespace === ns)),
      );
      return [
        `hosts: ${(spec.servers ?? []).flatMap((/** @type {any} */ s) => s.hosts ?? []).join(", ")}`,
        `virtual services bound: ${bound.map((vs) => `${vs.metadata.namespace}/${vs.metadata.name}`).join(", ") || "-"}`,
      ];
    }
    default:
      return [`workloads: ${policyScope(r)}`];
  }
}

/** @param {Awaited<ReturnType<typeof resourceFacts>>} f */
export function renderResource(f) {
  const m = f.resource.metadata ?? {};
  let text = `Name:              ${m.name}\nNamespace:         ${m.namespace}\nKind:              ${f.kind}\n`;
  text += `Created:           ${m.creationTimestamp ?? "<unknown>"} (${age(m.creationTimestamp)} ago)\nResource version:  ${m.resourceVersion ?? "-"}\n`;
  text += `\nApplies to:\n${f.appliesTo.map((l) => `  ${l}\n`).join("")}`;
  text += `\nSpec:\n${YAML.stringify(f.resource.spec ?? {}).replace(/^(?=.)/gm, "  ")}`;
  text += `\nFindings:\n${f.findings.length === 0 ? "  <none>\n" : f.findings.map((/** @type {any} */ x) => `  ${x.severity} ${x.code}${x.path ? ` ${x.path}` : ""}: ${x.message}\n`).join("")}`;
  return text;
}
