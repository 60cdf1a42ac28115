import type { DestinationRule } from "./destination-rule.ts";
import type { Gateway } from "./gateway.ts";
import type { GatewayApiGateway } from "./gateway-api-gateway.ts";
import { LISTENERS_MESSAGE, listenerOfPort } from "./gateway-listeners.ts";
import { canonicalHost, hostMatches } from "./hosts.ts";
import type { HTTPRoute as GatewayApiRoute } from "./http-route.ts";
import type { Resource } from "./kinds.ts";
import { compileRegex } from "./regex.ts";
import { compileRegexRewrite } from "./regex-rewrite.ts";
import type { Rollout } from "./rollout.ts";
import { drivenRoutes } from "./rollout-routes.ts";
import type { ServiceEntry } from "./service-entry.ts";
import type { Destination, VirtualService } from "./virtual-service.ts";

/** One cross-resource problem found by `analyze`. */
export interface Finding {
  code: FindingCode;
  severity: "error" | "warning";
  message: string;
  path: string;
  resource: { kind: string; namespace: string; name: string };
}

export type FindingCode =
  | "weights_not_100"
  | "subset_not_found"
  | "host_not_found"
  | "host_conflict"
  | "gateway_not_found"
  | "gateway_port_unserved"
  | "gateway_credential"
  | "gateway_mutual_tls"
  | "regex_invalid"
  | "rollout_target_not_found"
  | "rollout_routes_invalid"
  // Joined with the bindings data planes report, by the control plane (controlplane/config/reachability.ts).
  | "destination_unreachable";

// Three ways of 33.33 are a fair split of 100.
const WEIGHT_TOLERANCE = 0.01;

/**
 * Cross-resource checks over a whole configuration, as `istioctl analyze` does: route weights
 * that do not add up to 100, subsets and hosts that nothing defines, two VirtualServices
 * claiming one host on one gateway, gateways that do not exist, and regexes (and regex
 * rewrites) RE2 refuses and Gateway ports no listener serves, in resources stored before
 * validation refused them; and, as warnings, where a Gateway's TLS credential must live and
 * what MUTUAL needs on Cloudflare. Findings are sorted by resource, then path.
 */
export function analyze(resources: readonly Resource[], memo: AnalysisMemo = { regexErrors: new Map() }): Finding[] {
  const world = new Mesh(resources, memo);
  const findings: Finding[] = [];
  for (const resource of resources) {
    const report = (code: FindingCode, severity: Finding["severity"], path: string, message: string) =>
      findings.push({ code, severity, message, path, resource: identify(resource) });
    if (resource.kind === "VirtualService") checkVirtualService(resource, world, report);
    if (resource.kind === "HTTPRoute") checkHttpRoute(resource, world, report);
    if (resource.kind === "Gateway") checkGatewayPorts(resource, report);
    if (resource.kind === "Gateway") checkGatewayTls(resource, report);
    if (resource.kind === "Rollout") checkRollout(resource, resources, world, report);
  }
  findings.push(...hostConflicts(resources.filter((r): r is VirtualService => r.kind === "VirtualService")));
  return findings.sort((a, b) => key(a).localeCompare(key(b)));
}

type Report = (code: FindingCode, severity: Finding["severity"], path: string, message: string) => void;

function key(f: Finding): string {
  return `${f.resource.kind}/${f.resource.namespace}/${f.resource.name}/${f.path}/${f.code}`;
}

function identify(resource: Resource) {
  return { kind: resource.kind, namespace: resource.metadata.namespace, name: resource.metadata.name };
}

/**
 * What `analyze` may carry from one call to the next: RE2's verdict per pattern (the error
 * message, or null when it compiles). Compiling every stored regex again cost most of an
 * apply's analysis; a caller that analyzes often (MeshControl) keeps one.
 */
export type AnalysisMemo = { regexErrors: Map<string, string | null> };

/** Patterns remembered at most; past it the memo starts over. */
const MEMO_PATTERNS = 20_000;

/** The indexes the checks look things up in. */
class Mesh {
  readonly serviceHosts: string[] = [];
  readonly gateways = new Set<string>();
  private readonly rules: { host: string; subsets: Set<string> }[] = [];

  constructor(resources: readonly Resource[], readonly memo: AnalysisMemo) {
    if (memo.regexErrors.size > MEMO_PATTERNS) memo.regexErrors.clear();
    for (const r of resources) {
      const ns = r.metadata.namespace;
      if (r.kind === "ServiceEntry") this.serviceHosts.push(...(r as ServiceEntry).spec.hosts.map((h) => canonicalHost(h, ns)));
      if (r.kind === "Gateway") this.gateways.add(`${ns}/${(r as Gateway).metadata.name}`);
      if (r.kind === "DestinationRule") {
        const spec = (r as DestinationRule).spec;
        this.rules.push({ host: canonicalHost(spec.host, ns), subsets: new Set(spec.subsets?.map((s) => s.name)) });
      }
    }
  }

  hasHost(host: string): boolean {
    return this.serviceHosts.some((pattern) => hostMatches(pattern, host));
  }

  /** Whether any DestinationRule for the host defines the subset; null when no rule covers the host. */
  hasSubset(host: string, subset: string): boolean | null {
    const rules = this.rules.filter((rule) => hostMatches(rule.host, host));
    return rules.length === 0 ? null : rules.some((rule) => rule.subsets.has(subset));
  }
}

function gatewayKey(reference: string, namespace: string): string {
  return reference === "mesh" || reference.includes("/") ? reference : `${namespace}/${reference}`;
}

function checkVirtualService(vs: VirtualService, mesh: Mesh, report: Report): void {
  const ns = vs.metadata.namespace;
  const checkGateway = (reference: string, path: string) => {
    if (reference !== "mesh" && !mesh.gateways.has(gatewayKey(reference, ns))) {
      report("gateway_not_found", "error", path, `gateway "${reference}" does not exist (looked for ${gatewayKey(reference, ns)})`);
    }
  };
  vs.spec.gateways?.forEach((g, i) => checkGateway(g, `spec.gateways[${i}]`));
  vs.spec.http?.forEach((route, i) => {
    const at = `spec.http[${i}]`;
    route.match?.forEach((match, j) => {
      match.gateways?.forEach((g, k) => checkGateway(g, `${at}.match[${j}].gateways[${k}]`));
      for (const field of ["uri", "scheme", "method", "authority"] as const) {
        checkRegex(match[field]?.regex, `${at}.match[${j}].${field}.regex`, report, mesh.memo);
      }
      for (const field of ["headers", "withoutHeaders", "queryParams"] as const) {
        for (const [name, m] of Object.entries(match[field] ?? {})) {
          checkRegex(m.regex, `${at}.match[${j}].${field}${mapKey(name)}.regex`, report, mesh.memo);
        }
      }
    });
    route.corsPolicy?.allowOrigins?.forEach((m, j) => checkRegex(m.regex, `${at}.corsPolicy.allowOrigins[${j}].regex`, report, mesh.memo));
    const regexRewrite = route.rewrite?.uriRegexRewrite;
    if (regexRewrite && checkRegex(regexRewrite.match, `${at}.rewrite.uriRegexRewrite.match`, report, mesh.memo)) {
      try {
        compileRegexRewrite(regexRewrite.match, regexRewrite.rewrite);
      } catch (error) {
        report("regex_invalid", "error", `${at}.rewrite.uriRegexRewrite.rewrite`, (error as Error).message);
      }
    }

    route.route?.forEach((d, j) => checkDestination(d.destination, ns, `${at}.route[${j}].destination`, mesh, report));
    if (route.mirror) checkDestination(route.mirror, ns, `${at}.mirror`, mesh, report);
    route.mirrors?.forEach((m, j) => checkDestination(m.destination, ns, `${at}.mirrors[${j}].destination`, mesh, report));

    const destinations = route.route ?? [];
    const weighted = destinations.length > 1 || destinations.some((d) => d.weight !== undefined);
    if (weighted) {
      const total = destinations.reduce((sum, d) => sum + (d.weight ?? 0), 0);
      if (Math.abs(total - 100) > WEIGHT_TOLERANCE + 1e-9) {
        report("weights_not_100", "warning", `${at}.route`, `route weights add up to ${Math.round(total * 100) / 100}, not 100`);
      }
    }
  });
}

function checkDestination(d: Destination, namespace: string, path: string, mesh: Mesh, report: Report): void {
  const host = canonicalHost(d.host, namespace);
  if (!mesh.hasHost(host)) {
    report("host_not_found", "error", `${path}.host`, `no ServiceEntry defines host "${d.host}" (${host})`);
  }
  if (d.subset !== undefined && mesh.hasSubset(host, d.subset) !== true) {
    report("subset_not_found", "error", `${path}.subset`, `no DestinationRule for host "${d.host}" defines subset "${d.subset}"`);
  }
}

/** A Rollout's VirtualService, subsets and driven routes must exist (apply accepts them in any order). */
function checkRollout(rollout: Rollout, resources: readonly Resource[], mesh: Mesh, report: Report): void {
  const ns = rollout.metadata.namespace;
  const host = canonicalHost(rollout.spec.service, ns);
  for (const field of ["stableSubset", "canarySubset"] as const) {
    if (mesh.hasSubset(host, rollout.spec[field]) !== true) {
      report("subset_not_found", "error", `spec.${field}`, `no DestinationRule for host "${rollout.spec.service}" defines subset "${rollout.spec[field]}"`);
    }
  }
  const vs = resources.find((r): r is VirtualService => r.kind === "VirtualService" && r.metadata.namespace === ns && r.metadata.name === rollout.spec.virtualService);
  if (!vs) {
    report("rollout_target_not_found", "warning", "spec.virtualService", `VirtualService ${ns}/${rollout.spec.virtualService} does not exist: the rollout waits for it`);
    return;
  }
  const driven = drivenRoutes(rollout, vs);
  if (!driven.ok) report("rollout_routes_invalid", "error", driven.path, driven.message);
}

function checkHttpRoute(route: GatewayApiRoute, mesh: Mesh, report: Report): void {
  const ns = route.metadata.namespace;
  route.spec.parentRefs?.forEach((parent, i) => {
    if ((parent.kind ?? "Gateway") !== "Gateway") return;
    const ref = `${parent.namespace ?? ns}/${parent.name}`;
    if (!mesh.gateways.has(ref)) report("gateway_not_found", "error", `spec.parentRefs[${i}].name`, `gateway "${parent.name}" does not exist (looked for ${ref})`);
  });
  route.spec.rules?.forEach((rule, i) => {
    rule.matches?.forEach((match, j) => {
      if (match.path?.type === "RegularExpression") checkRegex(match.path.value, `spec.rules[${i}].matches[${j}].path.value`, report, mesh.memo);
      for (const field of ["headers", "queryParams"] as const) {
        match[field]?.forEach((m, k) => {
          if (m.type === "RegularExpression") checkRegex(m.value, `spec.rules[${i}].matches[${j}].${field}[${k}].value`, report, mesh.memo);
        });
      }
    });
    rule.backendRefs?.forEach((backend, j) => {
      if ((backend.kind ?? "Service") !== "Service") return;
      const host = canonicalHost(`${backend.name}.${backend.namespace ?? ns}`, ns);
      if (!mesh.hasHost(host)) report("host_not_found", "error", `spec.rules[${i}].backendRefs[${j}].name`, `no ServiceEntry defines host "${backend.name}" (${host})`);
    });
  });
}

function checkGatewayPorts(gateway: Gateway | GatewayApiGateway, report: Report): void {
  const ports = "listeners" in gateway.spec
    ? gateway.spec.listeners.map((listener, i) => ({ port: listener.port, path: `spec.listeners[${i}].port` }))
    : gateway.spec.servers.map((server, i) => ({ port: server.port.number, path: `spec.servers[${i}].port.number` }));
  for (const { port, path } of ports) {
    if (listenerOfPort(port) === undefined) report("gateway_port_unserved", "error", path, `port ${port} is never served: ${LISTENERS_MESSAGE}`);
  }
}

// TLS material is not in the configuration: say where each named credential must exist, and what MUTUAL needs at the edge.
function checkGatewayTls(gateway: Gateway | GatewayApiGateway, report: Report): void {
  const servers = "listeners" in gateway.spec
    ? gateway.spec.listeners.map((l, i) => ({ path: `spec.listeners[${i}].tls`, credential: l.tls?.certificateRefs?.[0]?.name, field: "certificateRefs[0].name", mode: undefined }))
    : gateway.spec.servers.map((s, i) => ({ path: `spec.servers[${i}].tls`, credential: s.tls?.credentialName, field: "credentialName", mode: s.tls?.mode }));
  for (const { path, credential, field, mode } of servers) {
    if (credential) {
      report("gateway_credential", "warning", `${path}.${field}`, `credential "${credential}" is not in the configuration: on Cloudflare upload it as a custom certificate for the zone (covering the server's hosts); in the local mesh set it with "isthmus credential set ${credential} --cert FILE --key FILE [--ca FILE]" (kept in the state directory)`);
    }
    if (mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL") {
      report("gateway_mutual_tls", "warning", `${path}.mode`, `${mode} needs API Shield mTLS on Cloudflare: enable it for the server's hosts with the client CA uploaded (${credential ? "the credential's ca.crt" : "the mesh root"}); set ISTHMUS_CLIENT_CA_ISSUER_DN on the gateway for principals from mesh certificates`);
    }
  }
}

// No ReDoS check: matching is RE2 (re2js), linear in the input whatever the pattern.
/** Reports a regex RE2 refuses; true when it compiles. */
function checkRegex(pattern: string | undefined, path: string, report: Report, memo: AnalysisMemo): boolean {
  if (pattern === undefined) return true;
  let error = memo.regexErrors.get(pattern);
  if (error === undefined) {
    try {
      compileRegex(pattern);
      error = null;
    } catch (thrown) {
      error = (thrown as Error).message;
    }
    memo.regexErrors.set(pattern, error);
  }
  if (error !== null) report("regex_invalid", "error", path, error);
  return error === null;
}

function mapKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** Two VirtualServices claiming one host on one gateway: each later one (by namespace/name) is reported. */
function hostConflicts(services: VirtualService[]): Finding[] {
  const sorted = [...services].sort((a, b) => name(a).localeCompare(name(b)));
  const owner = new Map<string, VirtualService>();
  const findings: Finding[] = [];
  for (const vs of sorted) {
    const ns = vs.metadata.namespace;
    const gateways = (vs.spec.gateways?.length ? vs.spec.gateways : ["mesh"]).map((g) => gatewayKey(g, ns));
    vs.spec.hosts.forEach((written, i) => {
      const host = canonicalHost(written, ns);
      for (const gateway of gateways) {
        const claim = `${gateway} ${host}`;
        const first = owner.get(claim);
        if (!first) {
          owner.set(claim, vs);
        } else if (first !== vs) {
          findings.push({
            code: "host_conflict",
            severity: "error",
            message: `host "${written}" on gateway ${gateway} is already claimed by VirtualService ${name(first)}`,
            path: `spec.hosts[${i}]`,
            resource: identify(vs),
          });
          break;
        }
      }
    });
  }
  return findings;
}

function name(r: Resource): string {
  return `${r.metadata.namespace}/${r.metadata.name}`;
}
