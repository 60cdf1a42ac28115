// Where the mesh's per-request time goes: V8 CPU profiles of the gateway, the withMesh service
// and the control plane, taken through workerd's inspector while wrk drives the full mesh.
// A separate workerd from the measured one (the inspector is on only here).
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import WebSocket from "ws";
import { HIT } from "../configs/resources.mjs";
import { VARIANTS, endpointWorker, gatewayOf, hostOf, versions } from "../configs/variants.mjs";
import { bundleModules, countSamples, perRequest } from "../cpu-profile.mjs";
import { wrkThroughput } from "../load.mjs";

// What is profiled: the callee is both versions of the split, so its per-request figures
// are over every request, whichever version answered.
// ISTHMUS_BENCH_PROFILE_VARIANT=decide profiles another withMesh row of the throughput table
// (the gateway serving its telemetry mode, its two versions) while working on it.
const VARIANT = VARIANTS.find((v) => v.id === (process.env.ISTHMUS_BENCH_PROFILE_VARIANT ?? "mesh"));
const PROFILED = [
  { name: "gw", label: "gateway", workers: [gatewayOf(VARIANT)] },
  { name: "mesh", label: "callee (withMesh service, v1 + v2)", workers: versions.map((v) => endpointWorker(VARIANT, v)) },
  { name: "isthmus-control", label: "control plane", workers: ["isthmus-control"] },
];

/** A Chrome DevTools Protocol session on an inspector target: `send(method, params)` answers the result. */
export function inspectorSession(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let id = 0;
    const pending = new Map();
    ws.on("message", (data) => {
      const message = JSON.parse(String(data));
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    });
    ws.on("error", reject);
    ws.on("open", () =>
      resolve({
        send: (method, params = {}) => new Promise((done) => {
          pending.set(++id, done);
          ws.send(JSON.stringify({ id, method, params }));
        }),
        close: () => ws.close(),
      }),
    );
  });
}

/**
 * Profiles the gateway, both versions of the withMesh service (together: the callee) and the
 * control plane while wrk drives the full mesh. `bundles`: paths of the bundled scripts, whose
 * module comments map call frames to source modules (see cpu-profile.mjs). Per-request
 * figures divide by the requests wrk completed during the profile.
 */
export async function measureProfile(mesh, inspectorPort, { bundles, seconds = 8, connections = 8, intervalUs = 100 } = {}) {
  const modules = new Map();
  for (const path of bundles) modules.set(basename(path), bundleModules(await readFile(path, "utf8")));
  const modulesOf = (url) => modules.get(basename(url.replace(/[?#].*$/, "")));
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const sessions = [];
  for (const { name, workers } of PROFILED) {
    for (const worker of workers) {
      const target = targets.find((t) => t.title === `workerd: worker core:user:${worker}`);
      if (!target) throw new Error(`no inspector target for ${worker}`);
      const s = await inspectorSession(target.webSocketDebuggerUrl);
      await s.send("Profiler.enable");
      await s.send("Profiler.setSamplingInterval", { interval: intervalUs });
      sessions.push({ name, s });
    }
  }
  for (const { s } of sessions) await s.send("Profiler.start");
  const load = await wrkThroughput(`${mesh.urls[gatewayOf(VARIANT)]}${HIT.path}`, { seconds, connections, headers: { host: hostOf(VARIANT), ...HIT.headers }, guard: mesh.workerd.guard() });
  const raw = new Map(PROFILED.map(({ name }) => [name, []]));
  for (const { name, s } of sessions) {
    const { profile } = await s.send("Profiler.stop");
    raw.get(name).push(profile);
    s.close();
  }
  // ISTHMUS_BENCH_PROFILE_DIR keeps the raw profiles (open them in Chrome DevTools).
  const keep = process.env.ISTHMUS_BENCH_PROFILE_DIR;
  if (keep) for (const [name, list] of raw) list.forEach((profile, i) => writeFileSync(join(keep, `${name}-${i}.cpuprofile`), JSON.stringify(profile)));
  const profiles = PROFILED.map(({ name, label }) => ({ name, label, ...perRequest(countSamples(raw.get(name), modulesOf), { intervalUs, requests: load.requests }) }));
  // Frames that name no module mean the bundles lost their module comments (minified?).
  const mapped = profiles.reduce((n, p) => n + p.layers.length, 0);
  if (!mapped) throw new Error("no profile sample maps to a data-plane module: are the bench bundles unminified with module comments?");
  return { seconds, connections, intervalUs, rps: load.rps, requests: load.requests, profiles };
}
