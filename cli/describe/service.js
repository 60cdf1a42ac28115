// `isthmus describe service NAME`: everything that applies to one service, gathered from the
// control API's resource lists, registry and /metrics.
import { ApiError } from "../errors.js";
import { age, table } from "../output.js";
import { listItems } from "../resource-paths.js";
import { policyScope, routeDestinations, routeRelation, selectedWorkloads } from "./applies.js";
import { fqdn } from "./hosts.js";
import { samplesOf } from "./metrics-text.js";

const ROUTE_KINDS = ["virtualservices", "httproutes"];
const POLICY_KINDS = ["authorizationpolicies", "peerauthentications", "requestauthentications"];

/**
 * What applies to service `name` of `namespace`.
 * @param {import("../client.js").ControlClient} api @param {string} name @param {string} namespace
 */
export async function serviceFacts(api, name, namespace) {
  const host = fqdn(name, namespace);
  const list = async (/** @type {string} */ plural) => listItems(await api.json("GET", `/v1/${plural}`));
  const [routes, destinationRules, serviceEntries, policies, registry, snapshots] = await Promise.all([
    Promise.all(ROUTE_KINDS.map(list)).then((l) => l.flat()),
    list("destinationrules"),
    list("serviceentries"),
    Promise.all(POLICY_KINDS.map(list)).then((l) => l.flat()),
    api.json("GET", "/v1/registry/endpoints", { query: { namespace, service: name } }).then((b) => listItems(b)),
    isolateSnapshots(api),
  ]);

  const entries = serviceEntries.filter((se) => (se.spec?.hosts ?? []).some((/** @type {string} */ h) => fqdn(h, se.metadata.namespace) === host));
  const rules = destinationRules.filter((dr) => fqdn(dr.spec?.host ?? "", dr.metadata.namespace) === host);
  const endpointLabels = [...entries.flatMap((se) => (se.spec?.endpoints ?? []).map((/** @type {any} */ e) => e.labels ?? {})), ...registry.map((e) => e.labels ?? {})];
  const subsetLabels = rules.flatMap((dr) => (dr.spec?.subsets ?? []).map((/** @type {any} */ s) => s.labels ?? {}));
  const versions = [...new Set([...endpointLabels, ...subsetLabels].map((l) => l.version).filter(Boolean))].sort();
  // The workloads the service runs as: Istio's pod labels, app and version.
  const workloads = versions.length > 0 ? versions.map((version) => ({ app: name, version })) : [{ app: name }];

  return {
    name,
    namespace,
    host,
    versions,
    serviceEntries: entries,
    registry,
    routes: routes.flatMap((r) => {
      const relation = routeRelation(r, host);
      return relation ? [{ resource: r, relation }] : [];
    }),
    destinationRules: rules,
    policies: policies.flatMap((p) => {
      const selected = selectedWorkloads(p, namespace, workloads);
      if (selected.length === 0) return [];
      return [{ resource: p, versions: selected.length === workloads.length ? null : selected.map((w) => w.version) }];
    }),
    snapshots: snapshots && {
      ...snapshots,
      isolates: snapshots.isolates.filter((i) => i.namespace === namespace && isWorkloadOf(i.workload, name, versions)),
    },
  };
}

/** Istio names a service's workloads `reviews-v2` (or `reviews` without a version). @param {string} workload @param {string} service @param {string[]} versions */
function isWorkloadOf(workload, service, versions) {
  if (workload === service) return true;
  if (!workload.startsWith(`${service}-`)) return false;
  const rest = workload.slice(service.length + 1);
  return versions.length > 0 ? versions.includes(rest) : /^v\d/.test(rest);
}

/**
 * The snapshot each data-plane isolate routes by, from /metrics (isolates report it with
 * their telemetry), or null with the reason when /metrics cannot be read.
 * @param {import("../client.js").ControlClient} api
 */
async function isolateSnapshots(api) {
  let text;
  try {
    text = await (await api.send("GET", "/metrics", { accept: "text/plain" })).text();
  } catch (error) {
    if (error instanceof ApiError) return { unavailable: `/metrics answered ${error.status} ${error.code}`, controlPlane: null, isolates: [] };
    throw error;
  }
  const byIsolate = (/** @type {string} */ metric) => new Map(samplesOf(text, metric).map((s) => [s.labels.isolate, s.value]));
  const ages = byIsolate("isthmus_dataplane_snapshot_age_seconds");
  const stale = byIsolate("isthmus_dataplane_stale");
  return {
    unavailable: null,
    controlPlane: samplesOf(text, "isthmus_snapshot_version")[0]?.value ?? null,
    isolates: samplesOf(text, "isthmus_dataplane_snapshot_version").map((s) => ({
      isolate: s.labels.isolate,
      workload: s.labels.workload,
      namespace: s.labels.namespace,
      snapshot: s.value,
      ageSeconds: ages.get(s.labels.isolate) ?? null,
      stale: stale.get(s.labels.isolate) === 1,
    })),
  };
}

/** @param {Awaited<ReturnType<typeof serviceFacts>>} f */
export function renderService(f) {
  const ref = (/** @type {any} */ r) => `${r.kind ?? ""} ${r.metadata.namespace}/${r.metadata.name}`;
  let text = `Name:       ${f.name}\nNamespace:  ${f.namespace}\nHost:       ${f.host}\nVersions:   ${f.versions.join(", ") || "<none known>"}\n`;

  text += `\nService entries:\n`;
  if (f.serviceEntries.length === 0) text += `  <none>: no ServiceEntry names ${f.host}\n`;
  for (const se of f.serviceEntries) text += `  ${ref({ ...se, kind: "ServiceEntry" })}  hosts ${(se.spec.hosts ?? []).join(",")}  ${se.spec.location ?? "MESH_INTERNAL"}\n`;

  const endpoints = [
    ...f.serviceEntries.flatMap((se) => (se.spec.endpoints ?? []).map((/** @type {any} */ e) => [e.address, labelText(e.labels), "-", `ServiceEntry ${se.metadata.name}`])),
    ...f.registry.map((e) => [e.address, labelText(e.labels), e.healthy ? "healthy" : "unhealthy", `registry ${e.id} (heartbeat ${age(e.lastHeartbeat)} ago)`]),
  ];
  text += `\nEndpoints:\n${endpoints.length === 0 ? "  <none>\n" : indent(table(["ADDRESS", "LABELS", "HEALTH", "FROM"], endpoints))}`;

  text += `\nRoutes:\n`;
  if (f.routes.length === 0) text += "  <none>: traffic goes to every endpoint (no VirtualService or HTTPRoute names it)\n";
  for (const { resource: r, relation } of f.routes) {
    const gateways = r.spec?.gateways?.length ? `  gateways ${r.spec.gateways.join(",")}` : "";
    text += `  ${ref(r)}  (${relation})${gateways}\n`;
    const dests = routeDestinations(r).map((d) => `${d.host === f.host ? f.name : d.host}${d.subset ? `:${d.subset}` : ""}${d.weight !== undefined ? `=${d.weight}` : ""}`);
    if (dests.length > 0) text += `    to ${dests.join(" ")}\n`;
  }

  text += `\nDestination rules:\n`;
  if (f.destinationRules.length === 0) text += "  <none>\n";
  for (const dr of f.destinationRules) {
    const policy = Object.keys(dr.spec.trafficPolicy ?? {});
    text += `  ${ref({ ...dr, kind: "DestinationRule" })}${policy.length ? `  trafficPolicy: ${policy.join(", ")}` : ""}\n`;
    for (const s of dr.spec.subsets ?? []) text += `    subset ${s.name}: ${labelText(s.labels)}${s.trafficPolicy ? `  trafficPolicy: ${Object.keys(s.trafficPolicy).join(", ")}` : ""}\n`;
  }

  text += `\nPolicies:\n`;
  if (f.policies.length === 0) text += "  <none>\n";
  for (const { resource: p, versions } of f.policies) {
    const detail = p.kind === "AuthorizationPolicy" ? (p.spec.action ?? "ALLOW") : p.kind === "PeerAuthentication" ? `mtls ${p.spec.mtls?.mode ?? "UNSET"}` : `issuers ${(p.spec.jwtRules ?? []).map((/** @type {any} */ j) => j.issuer).join(",")}`;
    text += `  ${ref(p)}  ${detail}  (${policyScope(p)}${versions ? `; versions ${versions.join(",")} only` : ""})\n`;
  }

  text += `\nSnapshots:\n`;
  const s = f.snapshots;
  if (s.unavailable) text += `  unknown: ${s.unavailable} (isolates report their snapshot version with their telemetry, in /metrics)\n`;
  else {
    text += `  control plane's newest: ${s.controlPlane ?? "unknown"}\n`;
    if (s.isolates.length === 0) text += `  no isolate of ${f.name} has reported in the last 10 minutes (isolates report with their telemetry flushes; with metrics off they do not)\n`;
    else text += indent(table(["ISOLATE", "WORKLOAD", "SNAPSHOT", "AGE", "STALE"], s.isolates.map((i) => [i.isolate, i.workload, String(i.snapshot), i.ageSeconds === null ? "-" : `${Math.round(i.ageSeconds)}s`, i.stale ? "yes" : "no"])));
  }
  return text;
}

/** @param {Record<string, string> | undefined} labels */
function labelText(labels) {
  const entries = Object.entries(labels ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(",") : "-";
}

/** @param {string} text */
function indent(text) {
  return text.replace(/^(?=.)/gm, "  ");
}
