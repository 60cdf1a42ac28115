// Per-request work of the data plane's matchers, in Node on the same compiled code the
// Workers run (bundled by esbuild): route match (prefix/regex/header mix, and all-regex),
// AuthorizationPolicy evaluation and service lookup against snapshots of growing size, and
// the cost of compiling each snapshot's indexes (paid once per version per isolate).
import { compileMesh } from "../../../dataplane/config/compiled.ts";
import { fullMatcher } from "../../../resources/regex.ts";
import { authorize } from "../../../dataplane/security/authorization.ts";
import type { Snapshot } from "../../../contracts/snapshot/schema.ts";
import { BENCH_GATEWAY, HIT, edgeResources, fillerPolicies, fillerServices, GATEWAY_PRINCIPAL } from "../configs/resources.mjs";
import { SCALE, namespaceOf, variantResources } from "../configs/variants.mjs";
import { regexVirtualService, routeRegex } from "./regex-routes.mjs";

const NS = namespaceOf(SCALE);
const HOST = `${SCALE.id}.bench`;

function snapshotOf(resources: unknown[]): Snapshot {
  return { version: 1, hash: "bench", generatedAt: new Date(0).toISOString(), trustDomain: "cluster.local", resources, endpointHealth: {}, revokedIdentities: [] } as unknown as Snapshot;
}

/** Nanoseconds per call of `fn`, over enough calls to take ~`budgetMs`. */
function nsPerCall(fn: () => unknown, budgetMs = 200): number {
  for (let i = 0; i < 1000; i++) fn();
  let n = 1000;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    const elapsed = performance.now() - t0;
    if (elapsed > budgetMs) return (elapsed * 1e6) / n;
    n *= 4;
  }
}

function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

export interface MicroPoint {
  dimension: "routes" | "regex" | "services" | "policies";
  count: number;
  /** Building the snapshot's indexes and the gateway's route table (once per version). */
  compileMs: number;
  /** The per-request operation this dimension feeds. */
  nsPerRequest: number;
  /** Routes examined by the match (routes and regex dimensions). */
  examined?: number;
  /** Regex dimension: the `examined` full matches alone, on RE2 (re2js) and on JavaScript RegExp. */
  re2Ns?: number;
  jsNs?: number;
}

const base = (routes = 50) => [...edgeResources(), ...variantResources(SCALE, routes)];
const request = { path: HIT.path, method: "GET", headers: new Headers(HIT.headers), authority: HOST, port: 8080 };

export function routesPoint(count: number): MicroPoint {
  const { value: table, ms } = timed(() => compileMesh(snapshotOf(base(count))).routeTable([BENCH_GATEWAY]));
  const stats = { examined: 0 };
  const hit = table.match(request, "istio-system", stats);
  if (hit?.name !== "hit") throw new Error(`routes ${count}: matched ${hit?.name}`);
  return { dimension: "routes", count, compileMs: ms, nsPerRequest: nsPerCall(() => table.match(request, "istio-system")), examined: stats.examined };
}

export function servicesPoint(count: number): MicroPoint {
  const { value: mesh, ms } = timed(() => compileMesh(snapshotOf([...base(), ...fillerServices(NS, 0, count)])));
  const host = `echo.${NS}.svc.cluster.local`;
  if (!mesh.service(host, "istio-system")) throw new Error("echo service missing");
  return { dimension: "services", count, compileMs: ms, nsPerRequest: nsPerCall(() => mesh.service(host, "istio-system")) };
}

export function policiesPoint(count: number): MicroPoint {
  const { value: mesh, ms } = timed(() => compileMesh(snapshotOf([...base(), ...fillerPolicies(NS, 0, count)])));
  const target = { namespace: NS, labels: { app: "echo", version: "v1" } };
  const facts = { method: "GET", path: HIT.path, host: "echo", headers: new Headers(), principal: `spiffe://${GATEWAY_PRINCIPAL}` };
  if (!authorize(mesh, target, facts).allowed) throw new Error(`policies ${count}: denied`);
  return { dimension: "policies", count, compileMs: ms, nsPerRequest: nsPerCall(() => authorize(mesh, target, facts)) };
}

/**
 * Routes that are all regexes without a literal prefix: every request runs `count - 1` RE2
 * full matches. Next to it, the same patterns run bare on re2js and on JavaScript's RegExp
 * (backtracking; what the data plane used before), first match wins as in the table.
 */
export function regexPoint(count: number): MicroPoint {
  // The scale namespace's VirtualService `echo` replaced by the all-regex one, as the gateway section does.
  const isEcho = (r: unknown) => {
    const { kind, metadata } = r as { kind: string; metadata: { name: string; namespace?: string } };
    return kind === "VirtualService" && metadata.name === "echo" && metadata.namespace === NS;
  };
  const resources = [...base().filter((r) => !isEcho(r)), regexVirtualService(NS, HOST, count)];
  const { value: table, ms } = timed(() => compileMesh(snapshotOf(resources)).routeTable([BENCH_GATEWAY]));
  const stats = { examined: 0 };
  const hit = table.match(request, "istio-system", stats);
  if (hit?.name !== "hit") throw new Error(`regex ${count}: matched ${hit?.name}`);
  const patterns = [...Array.from({ length: count - 2 }, (_, i) => routeRegex(i)), routeRegex(0, true)].slice(-stats.examined);
  const re2 = patterns.map((p) => fullMatcher(p));
  const js = patterns.map((p) => new RegExp(`^(?:${p})$`));
  const path = HIT.path;
  return {
    dimension: "regex",
    count,
    compileMs: ms,
    nsPerRequest: nsPerCall(() => table.match(request, "istio-system")),
    examined: stats.examined,
    re2Ns: nsPerCall(() => re2.some((m) => m(path))),
    jsNs: nsPerCall(() => js.some((r) => r.test(path))),
  };
}
