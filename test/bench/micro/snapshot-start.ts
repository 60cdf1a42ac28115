// What a fresh data-plane isolate pays for a snapshot before its first answer, in Node on
// the code the Workers run: accepting it (shape check and content hash), compiling its
// indexes and the gateway's route table, indexing the routes of the requested host (on its
// first request) and the first route match (which compiles the match blocks it tests, and
// the regexes among them that need an RE2 program). Run once per process
// (`node snapshot-start.mjs`): the figures are cold on purpose, as an isolate's are.
import { acceptSnapshot } from "../../../dataplane/config/accept.ts";
import { compileMesh } from "../../../dataplane/config/compiled.ts";
import { snapshotContentHash } from "../../../contracts/snapshot/content-hash.ts";
import { canonicalJson } from "../../../contracts/snapshot/canonical-json.ts";
import { compileSnapshot } from "../../../contracts/snapshot/compile.ts";
import type { SnapshotResource } from "../../../contracts/snapshot/schema.ts";
import { BENCH_GATEWAY, HIT, edgeResources } from "../configs/resources.mjs";
import { SCALE, variantResources } from "../configs/variants.mjs";

/** Milliseconds of each start-up step for a snapshot with the scale namespace at `routes` routes. */
export async function snapshotStart(routes: number, { regex = true } = {}) {
  let resources = [...edgeResources(), ...variantResources(SCALE, routes)];
  // Without regexes: every regex match of the bench's route mix written as a prefix.
  if (!regex) resources = JSON.parse(JSON.stringify(resources).replace(/"regex":"([^"[(]*)[^"]*"/g, '"prefix":"$1"'));
  // As the control plane serves it: specs stored as canonical JSON and read back, compiled
  // into one snapshot, sent as JSON.
  const stored = (resources as SnapshotResource[]).map((resource) => ({ ...resource, spec: JSON.parse(canonicalJson(resource.spec)) }));
  const compiled = await compileSnapshot({ version: 1, generatedAt: new Date(0).toISOString(), trustDomain: "cluster.local", resources: stored, endpoints: [], revokedIdentities: [] });
  const raw = JSON.parse(JSON.stringify(compiled));
  const request = { path: HIT.path, method: "GET", headers: new Headers(HIT.headers), authority: `${SCALE.id}.bench`, port: 8080 };
  const t0 = performance.now();
  const snapshot = await acceptSnapshot(raw);
  const t1 = performance.now();
  const table = compileMesh(snapshot).routeTable([BENCH_GATEWAY]);
  const t2 = performance.now();
  const hostRoutes = table.lookup(request.authority, "istio-system");
  const t3 = performance.now();
  const hit = hostRoutes?.match(request);
  const t4 = performance.now();
  if (hit?.name !== (regex ? "hit" : "r1")) throw new Error(`matched ${hit?.name}`);
  const hashStart = performance.now();
  await snapshotContentHash(snapshot);
  const hashMs = performance.now() - hashStart;
  return { routes, regex, acceptMs: t1 - t0, hashMs, compileMs: t2 - t1, hostIndexMs: t3 - t2, firstMatchMs: t4 - t3 };
}
