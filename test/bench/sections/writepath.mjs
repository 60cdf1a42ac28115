// Control plane write path: POST /v1/apply of a 20-document file (applies/s, one after
// another, and 8 in flight), compiling a 1,000-resource snapshot (in Node, on the bundled
// compiler: workerd's clocks stand still while code runs), the CA through the REST API
// (JWT-SVIDs/s and CSR signings/s, 8 in flight), and telemetry flushes: CPU per flush in
// the control-plane isolate (MeshPeer and the Telemetry shard), from workerd's profiler.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Miniflare } from "miniflare";
import { buildWorker } from "../../../local/build.mjs";
import { allowPolicy, destinationRule, serviceEntry, virtualService } from "../configs/resources.mjs";
import { median } from "../stats.mjs";
import { measureApplies, twentyDocuments } from "./control.mjs";
import { wrkThroughput } from "../load.mjs";
import { measureCaThroughRest, opensslCsr } from "./identity.mjs";
import { inspectorSession } from "./profile.mjs";

/** `count` resources in the bench's shapes: per namespace a ServiceEntry, DestinationRule, 10-route VirtualService and policy. */
function resourcesOf(count) {
  const list = [];
  for (let s = 0; list.length < count; s++) {
    const ns = `compile-${s}`;
    const stored = (r) => ({ ...r, metadata: { ...r.metadata, resourceVersion: "1", generation: 1, uid: `${ns}-${r.kind}`, creationTimestamp: "2026-01-01T00:00:00Z" } });
    list.push(...[serviceEntry(ns, [{ worker: `w-${s}-v1`, version: "v1" }, { worker: `w-${s}-v2`, version: "v2" }]), destinationRule(ns), virtualService(ns, `svc-${s}.bench`, 10), allowPolicy(ns)].map(stored));
  }
  return list.slice(0, count);
}

async function measureCompile(buildDir, { count = 1000, runs = 15 } = {}) {
  const { compileSnapshot } = await import(pathToFileURL(await buildWorker("contracts/snapshot/compile.ts", join(buildDir, "compile.mjs"))).href);
  const resources = resourcesOf(count);
  const endpoints = Array.from({ length: 50 }, (_, i) => ({ namespace: `compile-${i}`, service: "echo", address: `https://e${i}.example`, labels: { version: "v3" }, healthy: true, lastHeartbeat: "2026-01-01T00:00:00Z" }));
  const input = (version) => ({ version, epoch: "bench", generatedAt: new Date().toISOString(), trustDomain: "cluster.local", resources, endpoints, revokedIdentities: [] });
  for (let i = 0; i < 3; i++) await compileSnapshot(input(i)); // warm-up: JIT
  const times = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const snapshot = await compileSnapshot(input(100 + i));
    times.push(performance.now() - t0);
    bytes = JSON.stringify(snapshot).length;
  }
  return { resources: count, endpoints: endpoints.length, medianMs: median(times), minMs: Math.min(...times), bytes };
}

/** Applies/s with `inFlight` clients, each applying its own 20-document file (distinct namespaces). */
async function concurrentApplies(mesh, { inFlight = 8, applies = 80 } = {}) {
  const clients = Array.from({ length: inFlight }, (_, c) => (round) => twentyDocuments(round, `bench-apply-c${c}`));
  await Promise.all(clients.map((docs) => mesh.apply(docs(0))));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(clients.map(async (docs) => {
    while (next++ < applies) await mesh.apply(docs(next));
  }));
  return { inFlight, applies, perSecond: applies / ((performance.now() - t0) / 1000) };
}

/**
 * The CA through the REST API driven by wrk (8 connections): a Node client tops out near the
 * figures it measures here (its own fetch costs more CPU than the CA's ~0.2 ms per JWT-SVID).
 */
async function caWithWrk(mesh, { seconds }) {
  const created = await mesh.api("/v1/identities", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ namespace: "bench-ca-wrk", serviceAccount: "client" }) });
  const { joinToken, spiffeId } = await created.json();
  if (!joinToken) throw new Error(`POST /v1/identities: ${created.status}`);
  const run = async (what, path, contentType, postBody) => {
    const result = await wrkThroughput(new URL(path, mesh.urls.control).href, { seconds, connections: 8, threads: 1, headers: { authorization: `Bearer ${joinToken}`, "content-type": contentType }, postBody });
    if (result.non2xx || result.socketErrors) throw new Error(`${path}: ${result.non2xx} non-2xx answers, ${result.socketErrors} socket errors`);
    return { what, perSecond: result.rps };
  };
  return [
    await run("JWT-SVID issue, POST /v1/svids/jwt (CA Durable Object, wrk, 8 connections)", "/v1/svids/jwt", "application/json", JSON.stringify({ audience: "spiffe://cluster.local/ns/bench-mesh/sa/echo" })),
    await run("CSR signing, POST /v1/svids/x509 (CA Durable Object, wrk, 8 connections)", "/v1/svids/x509", "application/pkcs10", opensslCsr(spiffeId)),
  ];
}

// Forwards the batch it is given to MeshPeer.reportTelemetry, as a data-plane isolate's flush does.
const REPORTER = `export default { async fetch(request, env) { return Response.json(await env.CONTROL.reportTelemetry(await request.json())); } };`;

/**
 * Telemetry flushes of 1, 20 and 100 series from 16 isolates (several shards), 8 in flight,
 * against a control-plane Worker of its own (the inspector is on only there): CPU µs per
 * flush in its isolate (100 µs samples, idle excluded) and flushes/s.
 */
async function measureFlushes(buildDir, { quick, inspectorPort = 19231 }) {
  const script = await buildWorker("controlplane/worker.ts", join(buildDir, "flush-control.mjs"));
  const { MetricsRecorder } = await import(pathToFileURL(await buildWorker("dataplane/telemetry/metrics.ts", join(buildDir, "metrics.mjs"))).href);
  const mf = new Miniflare({
    inspectorPort,
    workers: [
      {
        name: "control",
        modules: true,
        scriptPath: script,
        modulesRoot: buildDir,
        compatibilityDate: "2026-04-26",
        durableObjects: { MESH_CONTROL: { className: "MeshControl", useSQLite: true }, CA: { className: "CertificateAuthority", useSQLite: true }, TELEMETRY: { className: "Telemetry", useSQLite: true } },
        bindings: { ISTHMUS_ADMIN_TOKEN: "bench", ISTHMUS_CA_WRAPPING_KEY: "bench-wrapping-key-0123456789abcdef" },
      },
      {
        name: "reporter",
        modules: [{ type: "ESModule", path: "reporter.mjs", contents: REPORTER }],
        compatibilityDate: "2026-04-26",
        serviceBindings: { CONTROL: { name: "control", entrypoint: "MeshPeer", props: { namespace: "default", serviceAccount: "reviews" } } },
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      },
    ],
  });
  const facts = { snapshotVersion: 1, snapshotGeneratedAt: null, snapshotAppliedAt: null, snapshotAgeMs: 100, stale: false };
  const batchOf = (series) => {
    const recorder = new MetricsRecorder({ workload: "reviews-v2" });
    for (let i = 0; i < series; i++) {
      recorder.recordRequest({ reporter: "destination", source: { workload: `client-${i}`, namespace: "default" }, destination: { workload: "reviews-v2", namespace: "default", version: "v2", serviceName: "reviews", serviceNamespace: "default", service: "reviews.default.svc.cluster.local" }, protocol: "http", responseCode: 200, responseFlags: "-", mutualTls: true, durationMs: 12, requestBytes: 0, responseBytes: 300 });
    }
    return JSON.stringify(recorder.takeBatch(facts));
  };
  try {
    const url = (await mf.unsafeGetDirectURL("reporter")).origin;
    const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
    const s = await inspectorSession(targets.find((t) => t.title === "workerd: worker core:user:control").webSocketDebuggerUrl);
    await s.send("Profiler.enable");
    await s.send("Profiler.setSamplingInterval", { interval: 100 });
    const results = [];
    for (const series of [1, 20, 100]) {
      const bodies = Array.from({ length: 16 }, () => batchOf(series));
      const send = async (i) => {
        const res = await fetch(url, { method: "POST", body: bodies[i % bodies.length] });
        await res.text();
        if (!res.ok) throw new Error(`telemetry flush: ${res.status}`);
      };
      for (let i = 0; i < 32; i++) await send(i);
      const flushes = (series >= 100 ? 200 : 600) * (quick ? 0.25 : 1);
      await s.send("Profiler.start");
      let next = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < flushes) await send(next++);
      }));
      const seconds = (performance.now() - t0) / 1000;
      const { profile } = await s.send("Profiler.stop");
      const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
      const busy = profile.samples.filter((id) => !idle.has(id)).length;
      results.push({ series, flushes, cpuMicros: (busy * 100) / flushes, perSecond: flushes / seconds });
    }
    s.close();
    return results;
  } finally {
    await mf.dispose();
  }
}

export async function measureWritePath(mesh, buildDir, { quick }) {
  const sequential = await measureApplies(mesh, { applies: quick ? 20 : 100 });
  const concurrent = await concurrentApplies(mesh, { applies: quick ? 40 : 200 });
  const compile = await measureCompile(buildDir, { runs: quick ? 5 : 15 });
  const ca = [...(await measureCaThroughRest(mesh, { quick })), ...(await caWithWrk(mesh, { seconds: quick ? 2 : 5 }))];
  const flushes = await measureFlushes(buildDir, { quick });
  return { sequential, concurrent, compile, ca, flushes };
}
