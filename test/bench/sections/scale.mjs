// Config distribution at scale: N simulated data-plane isolates (test/bench/workers/scale-sim.ts)
// against the real control-plane Worker in one workerd process, through a service binding:
// its HTTP data-plane API (GET /v1/snapshot?since, /v1/snapshot/stamp; bearer token, Hono,
// MeshControl) by default, or MeshPeer over Workers RPC (`transport: "rpc"`). RPC results
// stay referenced until the request that made them ends, and a simulator request lasts the
// whole run, so 1,000 isolates over RPC outgrow workerd's memory: HTTP is the default.
// One run per (mode, N):
//   0 - 3.5 s   cold starts spread over 2.5 s (not measured)
//   3.5 - 6.5 s steady state: control-plane requests/s, and CPU per request: the workerd
//               process's CPU (/proc/PID/stat) minus that of the same N isolates and
//               location caches with the control plane answered from memory, over the
//               requests made
//   7 s on      `changes` config changes `gapMs` apart: propagation, from the apply answered
//               to each isolate holding the version (per isolate p50/p99) and to all N.
import { readFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { buildWorker } from "../../../local/build.mjs";
import { workerFromConfig } from "../../../local/worker-options.mjs";
import { childPids } from "../mesh.mjs";
import { destinationRule, edgeResources, serviceEntry, virtualService } from "../configs/resources.mjs";
import { percentile } from "../stats.mjs";

const TOKEN = "scale-admin-token";
/** Cold starts spread over RAMP_MS; steady state measured in STEADY; changes from CHANGES_AT. */
const RAMP_MS = 2500;
const STEADY = [3500, 6500];
const CHANGES_AT = 7000;
const TICKS_PER_SECOND = 100;
/** How long a control-plane or simulator call may take beyond its planned length before the run gives up on it. */
const CALL_GRACE_MS = 30_000;
/**
 * N played on a slower clock, by default (`npm run sim` and the bench's scale section): two
 * shared cores cannot run a thousand isolates' loops in real time.
 */
export const SLOW_AT = { 1000: 4 };
const pct = (share) => `${(share * 100).toFixed(0)} %`;

/** utime + stime of a process, in ms. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** One workerd with the control plane and the simulator, each on its own socket. */
async function startRuntime(scripts, buildDir) {
  const before = new Set(childPids());
  const ownSocket = [{ host: "127.0.0.1", port: 0 }];
  // cf: false — Miniflare would otherwise fetch request.cf data from the internet.
  const mf = new Miniflare({
    cf: false,
    workers: [
      {
        ...scripts.control.options,
        modulesRoot: buildDir,
        unsafeDirectSockets: ownSocket,
        bindings: { ...scripts.control.options.bindings, ISTHMUS_ADMIN_TOKEN: TOKEN, ISTHMUS_CA_WRAPPING_KEY: "scale-wrapping-key-0123456789abcdef" },
      },
      {
        name: "scale-sim",
        modules: true,
        compatibilityDate: "2026-04-26",
        modulesRoot: buildDir,
        scriptPath: scripts.sim,
        unsafeDirectSockets: ownSocket,
        bindings: { ADMIN_TOKEN: TOKEN },
        serviceBindings: {
          ISTHMUS_CONTROL: { name: scripts.control.name, entrypoint: "MeshPeer", props: { namespace: "istio-system", serviceAccount: "scale-sim" } },
          CONTROL_API: scripts.control.name,
        },
      },
    ],
  });
  await mf.ready;
  const pid = childPids().find((p) => !before.has(p));
  const control = (await mf.unsafeGetDirectURL(scripts.control.name)).origin;
  const sim = (await mf.unsafeGetDirectURL("scale-sim")).origin;
  return { mf, pid, control, sim };
}

/** The control plane's Worker (from wrangler.toml) and the simulator, built into `buildDir`. */
export async function buildScaleScripts(buildDir) {
  const [control, sim] = await Promise.all([workerFromConfig("wrangler.toml", { buildDir }), buildWorker("test/bench/workers/scale-sim.ts", join(buildDir, "scale-sim.mjs"))]);
  return { control, sim };
}

/** One JSON call; a call unanswered `plannedMs` + CALL_GRACE_MS after it was sent fails (a hung workerd must not hold the run). */
function call(url, { method = "GET", body, plannedMs = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const timeoutMs = plannedMs + CALL_GRACE_MS;
    const request = http.request(url, { method, timeout: timeoutMs, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" } }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        if (response.statusCode >= 300) return reject(new Error(`${method} ${url}: ${response.statusCode} ${text.slice(0, 200)}`));
        resolve(text ? JSON.parse(text) : null);
      });
    });
    request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", (error) => reject(new Error(`${method} ${url}: ${error.message}`, { cause: error })));
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** One run's answer from its locations' requests. */
function merge(parts) {
  const requests = {};
  for (const part of parts) {
    for (const [kind, series] of Object.entries(part.requests)) {
      const sum = (requests[kind] ??= []);
      series.forEach((count, i) => (sum[i] = (sum[i] ?? 0) + count));
    }
  }
  return {
    startedAt: parts[0].startedAt,
    bucketMs: parts[0].bucketMs,
    requests,
    applied: parts.flatMap((part) => part.applied),
    stale: parts.reduce((sum, part) => sum + part.stale, 0),
    errors: parts.flatMap((part) => part.errors).slice(0, 5),
    timings: parts.reduce((sum, part) => {
      for (const [kind, { ms, calls }] of Object.entries(part.timings)) {
        const total = (sum[kind] ??= { ms: 0, calls: 0 });
        total.ms += ms;
        total.calls += calls;
      }
      return sum;
    }, {}),
  };
}

/** The mesh config the isolates carry: a ~60 KiB snapshot, like the measured 58 KiB one. */
function meshConfig(routeCount) {
  const ns = "scale";
  return [...edgeResources(), serviceEntry(ns, [{ worker: "echo", version: "v1" }, { worker: "echo-b", version: "v2" }]), destinationRule(ns), virtualService(ns, "scale.test", routeCount)];
}

const flip = (i) => ({
  apiVersion: "networking.istio.io/v1",
  kind: "VirtualService",
  metadata: { name: "flip", namespace: "scale" },
  spec: { hosts: ["flip.scale.svc.cluster.local"], http: [{ route: [{ destination: { host: "echo.scale.svc.cluster.local", subset: i % 2 ? "v2" : "v1" } }] }] },
});

/** Sends a run to the simulator in groups of isolates, all counting from one start time. */
function simulate(runtime, spec) {
  const groups = [];
  const perLocation = Math.ceil(spec.isolates / spec.locations);
  for (let location = 0; location < spec.locations; location++) {
    const count = Math.min(perLocation, spec.isolates - location * perLocation);
    groups.push(call(`${runtime.sim}/`, { method: "POST", body: { ...spec, location, count }, plannedMs: spec.startAt - Date.now() + spec.seconds * 1000 }));
  }
  return Promise.all(groups).then(merge);
}

/** Process CPU ms over the steady window of a run started at `runStart`, with the window's bounds. */
async function steadyCpu(pid, runStart, slow) {
  const at = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, runStart + ms * slow - Date.now())));
  await at(STEADY[0]);
  const cpu0 = cpuMs(pid);
  const t0 = Date.now();
  await at(STEADY[1]);
  return { cpuMs: cpuMs(pid) - cpu0, t0, t1: Date.now() };
}

/** The same N isolates with the control plane answered from memory: the CPU the simulation itself costs, ms per s. */
async function idleCpuShare(runtime, { slow, transport, mode, isolates, locations, refreshMs, stampMs }) {
  const runStart = Date.now() + 500;
  const timing = { refreshMs: refreshMs * slow, stampMs: stampMs * slow, rampMs: RAMP_MS * slow, seconds: (STEADY[1] * slow) / 1000 + 0.3 };
  const running = simulate(runtime, { isolates, locations, mode, control: false, transport, ...timing, startAt: runStart });
  const steady = await steadyCpu(runtime.pid, runStart, slow);
  await running;
  return steady.cpuMs / (steady.t1 - steady.t0);
}

/**
 * One run: `mode` ("isolate" | "location"), `isolates` N, `locations` L. Returns requests/s
 * and CPU µs per control-plane request in the steady window, and propagation figures.
 */
async function runOnce(runtime, { slow, transport, mode, isolates, locations, refreshMs, stampMs, changes, gapMs, idleShare }) {
  const runStart = Date.now() + 500;
  const timing = { refreshMs: refreshMs * slow, stampMs: stampMs * slow, rampMs: RAMP_MS * slow, seconds: ((CHANGES_AT + changes * gapMs + 1500) * slow) / 1000 };
  const running = simulate(runtime, { isolates, locations, mode, control: true, transport, ...timing, startAt: runStart });
  const steady = await steadyCpu(runtime.pid, runStart, slow);
  const applied = [];
  for (let i = 0; i < changes; i++) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, runStart + (CHANGES_AT + i * gapMs) * slow - Date.now())));
    await call(`${runtime.control}/v1/apply`, { method: "POST", body: [flip(i + 1)] });
    const acceptedAt = Date.now();
    const { version } = await call(`${runtime.control}/v1/snapshot/stamp`);
    applied.push({ version, acceptedAt });
  }
  const result = await running;
  // The steady window in the simulator's buckets (its clock is this machine's clock too).
  const from = Math.floor((steady.t0 - result.startedAt) / result.bucketMs);
  const to = Math.floor((steady.t1 - result.startedAt) / result.bucketMs);
  const inWindow = (series = []) => series.slice(from, to).reduce((a, b) => a + b, 0);
  const kinds = Object.keys(result.requests);
  const steadyRequests = kinds.reduce((sum, kind) => sum + inWindow(result.requests[kind]), 0);
  const windowMs = (to - from) * result.bucketMs;
  const controlCpuMs = steady.cpuMs - idleShare * (steady.t1 - steady.t0);
  const perIsolate = [];
  const allHeld = [];
  for (const { version, acceptedAt } of applied) {
    let last = 0;
    for (const history of result.applied) {
      const hit = history.find(([v]) => v >= version);
      const ms = hit ? result.startedAt + hit[1] - acceptedAt : Infinity;
      perIsolate.push(ms);
      last = Math.max(last, ms);
    }
    allHeld.push(last);
  }
  // Back to simulated time: rates times `slow`, durations divided by it.
  const simulated = (ms) => ms / slow;
  perIsolate.sort((a, b) => a - b);
  allHeld.sort((a, b) => a - b);
  return {
    mode,
    isolates,
    locations,
    slow,
    requestsPerSecond: (steadyRequests * 1000 * slow) / windowMs,
    byKind: Object.fromEntries(kinds.map((kind) => [kind, (inWindow(result.requests[kind]) * 1000 * slow) / windowMs])),
    cpuUsPerRequest: steadyRequests ? (Math.max(0, controlCpuMs) * 1000) / steadyRequests : NaN,
    processBusy: steady.cpuMs / (steady.t1 - steady.t0),
    idleBusy: idleShare,
    p50: simulated(percentile(perIsolate, 0.5)),
    p99: simulated(percentile(perIsolate, 0.99)),
    allP50: simulated(percentile(allHeld, 0.5)),
    allMax: simulated(allHeld.at(-1)),
    missed: perIsolate.filter((ms) => ms === Infinity).length,
    stale: result.stale,
    errors: result.errors,
    // Real time: the runtime's latencies are not stretched.
    cacheOpMs: result.timings.cache ? result.timings.cache.ms / result.timings.cache.calls : undefined,
  };
}

/**
 * CPU per control-plane request by kind, from bursts of back-to-back requests (the caller's
 * side of each request included, so an upper bound): the stamp, a pull that finds nothing
 * newer, and a full snapshot pull.
 */
async function requestCosts(runtime, transport, ms = 1500) {
  const costs = {};
  for (const kind of ["stamp", "unchanged", "snapshot"]) {
    const cpu0 = cpuMs(runtime.pid);
    const { requests } = await call(`${runtime.sim}/burst`, { method: "POST", body: { kind, transport, concurrency: 4, ms }, plannedMs: ms });
    costs[kind] = { requests, perSecond: (requests * 1000) / ms, cpuUsPerRequest: ((cpuMs(runtime.pid) - cpu0) * 1000) / requests };
  }
  return costs;
}

/**
 * The scale section: a fresh workerd per N (control plane and simulator), the idle baseline,
 * then each mode. `slowAt[N]` runs N's simulation on a clock that many times slower (every
 * interval and window stretched; rates and durations reported back
 * in simulated time), so that a machine too small for N isolates in real time can still
 * play them: what it cannot slow down is the runtime's own latencies, which then count for less. `scripts` comes from buildScaleScripts.
 */
export async function measureScale({ scripts, buildDir, sizes = [10, 100, 1000], modes = ["isolate", "location"], perLocation = 25, refreshMs = 1000, stampMs = 250, changes = 4, gapMs = 2000, routeCount = 350, transport = "http", slowAt = {}, log = () => {} }) {
  const rows = [];
  let snapshotBytes = 0;
  let costs;
  for (const isolates of sizes) {
    const runtime = await startRuntime(scripts, buildDir);
    try {
      await call(`${runtime.control}/v1/apply`, { method: "POST", body: meshConfig(routeCount) });
      await call(`${runtime.control}/v1/apply`, { method: "POST", body: [flip(0)] });
      snapshotBytes = JSON.stringify(await call(`${runtime.control}/v1/snapshot`)).length;
      if (!costs) {
        costs = await requestCosts(runtime, transport);
        for (const [kind, cost] of Object.entries(costs)) log(`  cost of one ${kind.padEnd(9)} request: ${cost.cpuUsPerRequest.toFixed(0)} µs CPU (${cost.perSecond.toFixed(0)}/s back to back, 4 at a time)`);
      }
      const locations = Math.max(1, Math.ceil(isolates / perLocation));
      const slow = slowAt[isolates] ?? 1;
      for (const mode of modes) {
        const interval = mode === "location" ? stampMs : refreshMs;
        const idleShare = await idleCpuShare(runtime, { slow, transport, mode, isolates, locations, refreshMs: interval, stampMs });
        const row = await runOnce(runtime, { slow, transport, mode, isolates, locations, refreshMs: interval, stampMs, changes, gapMs, idleShare });
        const cacheOp = row.cacheOpMs === undefined ? "" : `; Cache API op ${row.cacheOpMs.toFixed(1)} ms mean`;
        const missed = row.missed ? `, ${row.missed} isolate-changes not reached` : "";
        const failed = row.errors.length ? `; first error: ${row.errors[0]}` : "";
        const clock = slow === 1 ? "" : ` [clock ${slow}x slower]`;
        log(`  ${mode.padEnd(8)} N=${String(isolates).padStart(5)} L=${String(locations).padStart(3)}${clock}: ${row.requestsPerSecond.toFixed(1)} req/s, ${row.cpuUsPerRequest.toFixed(0)} µs CPU/req; propagation p50 ${row.p50.toFixed(0)} ms, p99 ${row.p99.toFixed(0)} ms, all N ${row.allP50.toFixed(0)} ms (max ${row.allMax.toFixed(0)})${missed}; workerd busy ${pct(row.processBusy)} (without the control plane ${pct(idleShare)})${cacheOp}${failed}`);
        rows.push(row);
      }
    } finally {
      await runtime.mf.dispose();
    }
  }
  return { rows, costs, snapshotBytes, transport, refreshMs, stampMs, perLocation, changes, gapMs };
}
