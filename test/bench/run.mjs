// `npm run bench`: the mesh against direct calls and against nginx, side by side in one
// run, then the mesh's own figures. Writes docs/BENCHMARKS.md. Exits non-zero only when a
// run failed (a section threw or requests failed), never because a figure is slow.
import { execFileSync, spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildWorker, repoRoot } from "../../local/build.mjs";
import { HIT } from "./configs/resources.mjs";
import { VARIANTS, endpointWorker, floorOf, gatewayOf, hostOf } from "./configs/variants.mjs";
import { buildScripts, startBenchMesh } from "./mesh.mjs";
import { startNginxSplit } from "./nginx.mjs";
import { configurationsTable, hopTable, renderDoc } from "./report.mjs";
import { measureApplies } from "./sections/control.mjs";
import { measureBundles } from "./sections/bundles.mjs";
import { measureIdentity } from "./sections/identity.mjs";
import { measureIsolate } from "./sections/isolate.mjs";
import { measurePropagation } from "./sections/propagation.mjs";
import { measureProfile } from "./sections/profile.mjs";
import { measureRollout } from "./sections/rollout.mjs";
import { measureRolloutEndToEnd } from "./sections/rollout-e2e.mjs";
import { SLOW_AT, buildScaleScripts, measureScale } from "./sections/scale.mjs";
import { measureScaling } from "./sections/scaling.mjs";
import { measureSplit } from "./sections/split.mjs";
import { measureThroughput } from "./sections/throughput.mjs";
import { measureWritePath } from "./sections/writepath.mjs";
import { virtualService } from "./configs/resources.mjs";

const SECTIONS = ["throughput", "split", "propagation", "identity", "control", "scaling", "scale", "isolate", "bundles", "profile", "writepath", "rollout"];
/** Sections that need not the bench mesh (a simulation, or a mesh of their own): a run of only these starts none. */
const MESH_FREE = ["scale", "rollout"];
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean" },
    sections: { type: "string" },
    rounds: { type: "string" },
    seconds: { type: "string" },
    connections: { type: "string", default: "32" },
    out: { type: "string", default: "docs/BENCHMARKS.md" },
    "sink-port": { type: "string", default: "18999" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log(`usage: npm run bench -- [--quick] [--sections a,b] [--rounds N] [--seconds S] [--connections C] [--out FILE]

Sections (default all): ${SECTIONS.join(", ")}
  throughput   direct / bare binding / two bare bindings / nginx / full mesh (withMesh, sidecar) /
               identity off, PoP / telemetry off, A B A B: req/s (wrk), p50/p99 and stalls (raw
               samples), CPU µs per request over the no-mesh floors (saturated rps)
  split        10,000 requests: 90/10 accuracy; 1,000 users x 10: stickiness
  propagation  20 config changes: apply answered -> gateway routing by it
  identity     JWT-SVID verify cached/uncached, sign, CSR in workerd; JWT-SVIDs/s and CSRs/s via REST
  control      applies/s of a 20-document file
  writepath    control plane write path: applies/s (1 and 8 in flight), 1,000-resource snapshot
               compile (Node), JWT-SVIDs/s and CSRs/s through the REST API (Node client and wrk),
               CPU per telemetry flush of 1/20/100 series (workerd profiler)
  scaling      routes, regex routes, services, policies at 10/100/1,000: through the gateway and in Node
  scale        config distribution at scale (as npm run sim): N = 10, 100, 1,000 simulated data-plane
               isolates (1,000 on a 4x slower clock; not with --quick) against the real control plane,
               isolate vs location mode: control-plane requests/s, CPU per request, propagation
               p50/p99; a fresh workerd of its own per N, about 25 s per mode and N (95 s at 1,000)
  isolate      fresh workerd: ready and first-response time, RSS with a 50- vs 1,000-route snapshot
  bundles      raw and gzip size of each Worker
  profile      CPU profiles (workerd inspector) of gateway, service and control plane under load:
               top functions and µs per request by data-plane layer
  rollout      progressive delivery, simulated: breach -> canary weight 0 (p50/p99 over 20
               rollouts) and requests that reached the failing canary, Isthmus's decision code
               (rollout/) against a Flagger-style fixed schedule on the same traffic; then 5
               real rollouts (2 with --quick) through the local mesh: latency breach -> weight 0
--quick shortens every section (about 5 minutes); 127.0.0.1 only; bounded in time.`);
  process.exit(0);
}
const quick = args.quick === true;
const chosen = args.sections ? args.sections.split(",").map((s) => s.trim()) : SECTIONS;
for (const s of chosen) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s} (${SECTIONS.join(", ")})`);
const params = {
  rounds: Number(args.rounds ?? (quick ? 2 : 3)),
  seconds: Number(args.seconds ?? (quick ? 2 : 5)),
  latencySeconds: quick ? 1 : 3,
  connections: Number(args.connections),
};
const log = (line) => console.log(line);

function ensureTool(cmd, pkg) {
  try {
    execFileSync("which", [cmd], { stdio: "ignore" });
  } catch {
    console.log(`installing ${pkg} (apt-get)`);
    execFileSync("apt-get", ["install", "-y", "-qq", pkg], { stdio: "inherit" });
  }
}
const needsMesh = chosen.some((s) => !MESH_FREE.includes(s));
if (needsMesh) {
  ensureTool("wrk", "wrk");
  ensureTool("nginx", "nginx-light");
}

const started = performance.now();
const report = {
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  date: new Date().toISOString().slice(0, 10),
  load: { start: os.loadavg()[0].toFixed(2) },
  params,
  // Cores the CPU-per-request columns divide among (see cpuMicrosOver).
  cores: os.availableParallelism(),
  refreshMs: 1000,
  failures: [],
  findings: [],
  checks: [],
  skipped: [],
};
const buildDir = resolve(repoRoot, ".isthmus/bench");
const scripts = needsMesh ? await buildScripts(buildDir) : undefined;
const mesh = needsMesh ? await startBenchMesh({ scripts, buildDir, sinkPort: Number(args["sink-port"]), refreshMs: report.refreshMs }) : undefined;
let nginx;

/** Runs one section; a throw is recorded as a failure and the run goes on. */
async function section(name, run) {
  if (!chosen.includes(name)) return;
  log(`\n== ${name}`);
  const t0 = performance.now();
  try {
    await run();
  } catch (error) {
    console.error(error);
    report.failures.push(`${name}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
  log(`   (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}

try {
  await section("throughput", async () => {
    // Identity really is enforced where the column says so: a call straight to the
    // service Worker, without the gateway's SVID, must be refused; with identity off it passes.
    for (const [id, expected] of [["mesh", 401], ["sidecar", 401], ["pop", 401], ["idoff", 200]]) {
      const variant = VARIANTS.find((v) => v.id === id);
      const worker = await mesh.mf.getWorker(endpointWorker(variant, "v1"));
      const res = await worker.fetch(`http://echo${HIT.path}`);
      await res.text();
      const ok = res.status === expected;
      report.checks.push(`${variant.label}: a request to the service without the gateway's credentials answers ${res.status} (${ok ? "as expected" : `expected ${expected}`}).`);
      if (!ok) report.failures.push(`identity check ${id}: ${res.status}, expected ${expected}`);
    }
    const urls = mesh.urls;
    nginx = await startNginxSplit({ port: 18998, upstreamA: new URL(urls.echo).port, upstreamB: new URL(urls["echo-b"]).port });
    const path = HIT.path;
    const configs = [
      { id: "direct", label: "service called directly (floor)", url: `${urls.echo}${path}` },
      { id: "binding", label: "gateway -> service binding, no mesh (platform)", url: `${urls.forward}${path}` },
      { id: "binding2", label: "gateway -> two binding hops -> service, no mesh", url: `${urls["forward-two"]}${path}` },
      { id: "nginx", label: "nginx split_clients 90/10 -> service", url: `http://127.0.0.1:18998${path}` },
      ...VARIANTS.map((v) => ({ id: v.id, label: v.label, floor: floorOf(v), url: `${urls[gatewayOf(v)]}${path}`, headers: { host: hostOf(v), ...HIT.headers }, fdBudget: v.fdBudget })),
    ];
    const sinkBefore = await (await fetch(urls.sink)).json();
    // ISTHMUS_BENCH_ROWS=binding,mesh measures only those rows (an A/B while working; a report needs them all).
    const rows = process.env.ISTHMUS_BENCH_ROWS?.split(",");
    report.throughput = await measureThroughput(rows ? configs.filter((c) => rows.includes(c.id)) : configs, { ...params, log, workerd: mesh.workerd });
    for (const s of report.throughput) if (s.stoppedEarly.length) report.findings.push(`${s.label}: wrk stopped early to keep workerd alive (${s.stoppedEarly.join("; ")}); its rate is over the time it ran.`);
    const sinkAfter = await (await fetch(urls.sink)).json();
    report.sink = { exports: sinkAfter.exports - sinkBefore.exports, bytes: sinkAfter.bytes - sinkBefore.bytes };
    for (const s of report.throughput) if (s.failed || s.socketErrors) report.failures.push(`${s.id}: ${s.failed} failed requests, ${s.socketErrors} socket errors`);
    log(`\n${configurationsTable(report.throughput, report.cores)}\n\n${hopTable(report.throughput, report.cores)}`);
    const by = Object.fromEntries(report.throughput.map((t) => [t.id, t]));
    if (by.telfull && by.teloff) {
      const piledUp = by.telfull.fdsPeak > 3 * Math.max(by.teloff.fdsPeak, mesh.workerd.idleFiles);
      report.findings.push(
        piledUp
          ? `Trace export at 100 % sampling piles up outgoing connections: workerd held ${Math.round(by.telfull.fdsPeak)} descriptors right after the run against ${Math.round(by.teloff.fdsPeak)} with telemetry off (idle: ${mesh.workerd.idleFiles}); at this machine's limit (20,000) workerd aborts ("accept: Too many open files"). The harness stops such a run's wrk at a quarter of the limit (its req/s is over the time it ran).`
          : `Trace export at 100 % sampling is batched across requests per isolate (dataplane/telemetry/otlp.ts: one export in flight, up to 512 spans or 1 s per batch): workerd held ${Math.round(by.telfull.fdsPeak)} descriptors right after the run against ${Math.round(by.teloff.fdsPeak)} with telemetry off (idle: ${mesh.workerd.idleFiles}). Before batching, each sampled request opened its own export connection and workerd ran out of descriptors under this load.`,
      );
    }
    if (by.mesh && by.binding && by.idoff && by.teloff) {
      const layers = by.mesh.p50 - by.binding.p50;
      const identity = by.mesh.p50 - by.idoff.p50;
      const telemetry = by.mesh.p50 - by.teloff.p50;
      report.findings.push(`Of the ${Math.round(layers)} µs p50 the mesh adds over a bare service-binding hop, identity (per request: the pair's session tag and the callee's answer tag, compared in constant time; JWT-SVIDs, ECDH and the pair key only once per pair of isolates) accounts for ~${Math.round(identity)} µs and telemetry as deployed (metrics, 1 % of traces) for ${telemetry < 100 ? `nothing measurable (${Math.round(telemetry)} µs, within the noise)` : `~${Math.round(telemetry)} µs`}; the rest (~${Math.round(layers - identity - Math.max(0, telemetry))} µs) is routing, split, authorization and the two isolates' stacks.`);
    }
    await nginx.stop();
    nginx = undefined;
  });

  await section("split", async () => {
    report.split = await measureSplit(mesh.urls.gw, hostOf(VARIANTS[0]), { relieve: mesh.workerd.relieve, ...(quick ? { requests: 2000, users: 200, perUser: 5 } : {}) });
    log(`split: ${JSON.stringify(report.split)}`);
    if (report.split.failed) report.failures.push(`split: ${report.split.failed} failed requests`);
    if (report.split.switchedShare > 0) report.findings.push(`Stickiness broken: ${(100 * report.split.switchedShare).toFixed(2)} % of users switched subset.`);
  });

  await section("propagation", async () => {
    const variant = VARIANTS[0];
    report.propagation = await measurePropagation(mesh, { resources: { virtualService: virtualService(`bench-${variant.id}`, hostOf(variant)) }, host: hostOf(variant), changes: quick ? 5 : 20 });
    log(`propagation: ${JSON.stringify(report.propagation)}`);
  });

  await section("identity", async () => {
    report.identity = await measureIdentity(mesh, buildDir, { quick });
    for (const x of report.identity) log(`${x.what}: ${Math.round(x.perSecond)}/s`);
  });

  await section("control", async () => {
    report.applies = await measureApplies(mesh, { applies: quick ? 5 : 20 });
    log(`applies: ${JSON.stringify(report.applies)}`);
  });

  await section("writepath", async () => {
    report.writePath = await measureWritePath(mesh, buildDir, { quick });
    log(`writepath: ${JSON.stringify(report.writePath)}`);
  });

  await section("isolate", async () => {
    report.isolate = await measureIsolate(mesh, scripts, buildDir, { runs: quick ? 1 : 3 });
    log(`isolate: ${JSON.stringify(report.isolate)}`);
    const { small, large } = report.isolate;
    report.findings.push(`A gateway isolate holds about ${Math.round((1024 * (large.rssMiB - small.rssMiB)) / (large.routes - small.routes))} KiB of process memory per route (RSS delta ${(large.rssMiB - small.rssMiB).toFixed(1)} MiB for ${large.routes - small.routes} routes, a ${Math.round((large.bytes - small.bytes) / 1024)} KiB larger snapshot): the parsed snapshot, the canonical JSON hashed on receipt, the compiled route table with its prefix index, and the match blocks and regexes compiled so far (on first use).`);
  });

  await section("scaling", async () => {
    const micro = await import(await buildWorker("test/bench/micro/matchers.ts", join(buildDir, "micro.mjs")));
    report.scaling = await measureScaling(mesh, micro, { counts: [10, 100, 1000], latencySeconds: quick ? 1 : 2, seconds: quick ? 1 : 2, connections: params.connections, log });
    const at = (dimension, count) => report.scaling.find((p) => p.dimension === dimension && p.count === count);
    for (const dimension of ["routes", "regex", "services", "policies"]) {
      const [a, b] = [at(dimension, 10), at(dimension, 1000)];
      if (a && b) report.findings.push(`${dimension} 10 -> 1,000: p50 through the gateway ${Math.round(a.p50)} -> ${Math.round(b.p50)} µs; the operation in Node ${(a.nodeNs / 1000).toFixed(1)} -> ${(b.nodeNs / 1000).toFixed(1)} µs (×${(b.nodeNs / a.nodeNs).toFixed(0)}).`);
    }
    for (const p of report.scaling.filter((p) => p.dimension === "regex")) {
      report.findings.push(`regex routes ${p.count}: the ${p.examined} full matches of a request alone take ${(p.re2Ns / 1000).toFixed(1)} µs on re2js (linear time) and ${(p.jsNs / 1000).toFixed(1)} µs on JavaScript's RegExp (backtracking, no longer used).`);
    }
  });

  await section("bundles", async () => {
    report.bundles = await measureBundles(buildDir);
    for (const b of report.bundles) log(`${b.label}: ${(b.raw / 1024).toFixed(1)} KiB, gzip ${(b.gzip / 1024).toFixed(1)} KiB`);
  });
} finally {
  if (nginx) await nginx.stop();
  await mesh?.dispose();
}

// Its own workerd per N, after the bench mesh is gone: N isolates' loops need the cores.
await section("scale", async () => {
  const sizes = quick ? [10, 100] : [10, 100, 1000];
  report.scale = await measureScale({ scripts: await buildScaleScripts(buildDir), buildDir, sizes, slowAt: SLOW_AT, log });
  report.scale.command = `npm run bench -- --sections scale${quick ? " --quick" : ""}`;
  report.scale.omitted = quick ? ["N = 1,000 was not run (`--quick`); a full run plays it on a 4× slower clock, about 3 more minutes."] : [];
});

// Profiling needs workerd's inspector, which the measured process runs without.
await section("profile", async () => {
  const inspectorPort = 19229;
  const inspected = await startBenchMesh({ scripts, buildDir, sinkPort: Number(args["sink-port"]), refreshMs: report.refreshMs, inspectorPort });
  try {
    const bundles = [scripts.gateway, scripts.meshed, scripts.control.options.scriptPath];
    report.profile = await measureProfile(inspected, inspectorPort, { bundles, seconds: quick ? 3 : 8 });
    const busiest = (name) => report.profile.profiles.find((p) => p.name === name);
    const share = (p, fn) => p?.top.filter((t) => t.fn === fn || t.fn.startsWith(`${fn} (`)).reduce((n, t) => n + t.share, 0) ?? 0;
    const gw = busiest("gw");
    const control = busiest("isthmus-control");
    if (gw) {
      const top = gw.top.slice(0, 6).map((t) => `\`${t.fn.replace(/ \(.*\)$/, "")}\` ${Math.round(100 * t.share)} %`).join(", ");
      report.findings.push(`Under load the gateway isolate used ${Math.round(100 * gw.cpuShare)} % of a core (${Math.round(gw.busyUs)} µs of CPU per request); WebCrypto \`verify\` takes ${Math.round(100 * share(gw, "verify"))} % and \`sign\` ${Math.round(100 * share(gw, "sign"))} % of its CPU (over a binding they run once per pair of isolates, to set up the session; per request only in proof-of-possession mode and for https:// endpoints). Top self time: ${top}.`);
    }
    if (control) {
      const top = control.top.slice(0, 5).map((t) => `\`${t.fn.replace(/ \(.*\)$/, "")}\` ${Math.round(100 * t.share)} %`).join(", ");
      report.findings.push(`The control-plane Worker used ${Math.round(100 * control.cpuShare)} % of a core while only the data plane is loaded (no config changes), serving the data-plane isolates' MeshPeer RPCs (snapshot revalidation, about one per isolate per refresh; SVIDs; telemetry reports); top self time: ${top}. Samples are counted (one sampling interval each), so time other isolates spend on the same thread is no longer charged to it.`);
    }
    for (const p of report.profile.profiles) log(`${p.name}: ${(100 * p.cpuShare).toFixed(0)} % of a core, ${p.busyUs.toFixed(0)} µs/req, ${p.busySamples}/${p.samples} samples busy, wall per sample ${p.wallPerSampleUs.toFixed(0)} µs; ${p.layers.map((l) => `${l.key} ${l.us.toFixed(0)} µs`).join(", ")}; top ${p.top.slice(0, 5).map((t) => `${t.fn} ${(100 * t.share).toFixed(1)} %`).join(", ")}`);
  } finally {
    await inspected.dispose();
  }
});

await section("rollout", async () => {
  report.rollout = await measureRollout(buildDir);
  const n = (v) => (Number.isFinite(v) ? String(v) : "-");
  for (const x of report.rollout.rows) log(`${x.scenario} | ${x.contender}: breach -> 0 p50 ${n(x.breachToZero.p50)} s, p99 ${n(x.breachToZero.p99)} s; to the failing canary p50 ${n(x.exposed.p50)} requests; false rollbacks ${x.falseRollbacks}; unfinished ${x.unfinished}`);
  const falseAlarms = report.rollout.rows.filter((x) => x.falseRollbacks > 0 && x.contender.startsWith("Isthmus"));
  if (falseAlarms.length) {
    report.findings.push(`Rollout simulation: Isthmus rolled back canaries that had not broken (both versions at the 0.1 % baseline) — ${falseAlarms.map((x) => `${x.falseRollbacks} of ${x.rollouts} in "${x.scenario}" with ${x.contender.replace(/^Isthmus: /, "")}`).join("; ")}. Both versions fail at the same rate, so each is a false alarm of the error test (Fisher's exact test below 5 expected counts, the z-test above) or of the floor at its confidence; failureLimit 1 tolerates one per rollout.`);
  }
  report.rollout.endToEnd = await measureRolloutEndToEnd({ rollouts: quick ? 2 : 5, log });
  if (report.rollout.endToEnd.failedRequests) report.failures.push(`rollout end to end: ${report.rollout.endToEnd.failedRequests} failed requests`);
  const low = report.rollout.rows.filter((x) => x.unfinished > 0 && x.contender.startsWith("Isthmus"));
  for (const x of low) report.findings.push(`Rollout simulation, ${x.scenario}, ${x.contender}: ${x.unfinished} of ${x.rollouts} rollouts were neither promoted nor rolled back within an hour of simulated traffic, the failing canary keeping its weight all along.`);
});

for (const s of SECTIONS) if (!chosen.includes(s)) report.skipped.push(`${s} (not selected with --sections)`);
/** First line a tool prints of its version (wrk exits 1 after printing it). */
function toolVersion(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: "utf8" });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n")[0].replace(/Copyright.*/, "").trim() || cmd;
}
const pkg = async (name) => (await import(`${name}/package.json`, { with: { type: "json" } }).catch(() => ({ default: {} }))).default.version;
report.miniflare = await pkg("miniflare");
report.versions = `Node ${process.version}, Miniflare ${report.miniflare}, wrangler ${await pkg("wrangler")}, ${toolVersion("wrk", ["-v"])}, ${toolVersion("nginx", ["-v"])}`;
report.machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`;
report.load.end = os.loadavg()[0].toFixed(2);
if (Number(report.load.start) > os.cpus().length || Number(report.load.end) > os.cpus().length) {
  report.load.note = "other work was running on the machine during this run; ratios within the run still hold, absolute figures are low";
}
report.wallSeconds = (performance.now() - started) / 1000;
if (report.findings.length) log(`\nfindings:\n${report.findings.map((f) => `- ${f}`).join("\n")}`);
await writeFile(resolve(repoRoot, args.out), renderDoc(report));
log(`\nwrote ${args.out} (${report.wallSeconds.toFixed(0)} s)${report.failures.length ? `\nFAILED: ${report.failures.join("; ")}` : ""}`);
process.exit(report.failures.length ? 1 : 0);
