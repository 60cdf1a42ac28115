// Per-request work of the data plane's matchers, in Node on the same compiled code the
// Workers run (bundled by esbuild): route match, AuthorizationPolicy evaluation and
// service lookup against snapshots of growing size, and the cost of compiling each
// snapshot's indexes (paid once per version per isolate).
import { compileMesh } from "../../../dataplane/config/compiled.ts";
import { authorize } from "../../../dataplane/security/authorization.ts";
import type { Snapshot } from "../../../snapshot/schema.ts";
import { BENCH_GATEWAY, HIT, edgeResources, fillerPolicies, fillerServices, GATEWAY_PRINCIPAL } from "../configs/resources.mjs";
import { SCALE, namespaceOf, variantResources } from "../configs/variants.mjs";

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
  dimension: "routes" | "services" | "policies";
  count: number;
  /** Building the snapshot's indexes and the gateway's route table (once per version). */
  compileMs: number;
  /** The per-request operation this dimension feeds. */
  nsPerRequest: number;
  /** Routes examined by the match (routes dimension). */
  examined?: number;
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
