// Where the mesh's per-request time goes: V8 CPU profiles of the gateway, a withMesh service
// and the control plane, taken through workerd's inspector while wrk drives the full mesh.
// A separate workerd from the measured one (the inspector is on only here).
import WebSocket from "ws";
import { wrkThroughput } from "../load.mjs";
import { HIT } from "../configs/resources.mjs";

const WORKERS = ["gw", "mesh-v1", "isthmus-control"];

function session(url) {
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

/** Self time by function, the `top` largest as `{ fn, share }`, and the busy share (not idle). */
export function selfTimes(profile, top = 12) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id).callFrame;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const name = frame.functionName || (frame.url ? "(anonymous)" : "(native)");
    const key = frame.url ? `${name} (${frame.url.split("/").pop()}:${frame.lineNumber + 1})` : name;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const idle = self.get("(idle)") ?? 0;
  const rows = [...self].filter(([k]) => k !== "(idle)").sort((a, b) => b[1] - a[1]).slice(0, top);
  return { busy: total ? (total - idle) / total : NaN, top: rows.map(([fn, t]) => ({ fn, share: t / total })) };
}

export async function measureProfile(mesh, inspectorPort, { seconds = 8, connections = 8 } = {}) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const sessions = [];
  for (const name of WORKERS) {
    const target = targets.find((t) => t.title === `workerd: worker core:user:${name}`);
    if (!target) throw new Error(`no inspector target for ${name}`);
    const s = await session(target.webSocketDebuggerUrl);
    await s.send("Profiler.enable");
    await s.send("Profiler.setSamplingInterval", { interval: 100 });
    sessions.push({ name, s });
  }
  for (const { s } of sessions) await s.send("Profiler.start");
  const load = await wrkThroughput(`${mesh.urls.gw}${HIT.path}`, { seconds, connections, headers: { host: "mesh.bench", ...HIT.headers }, guard: mesh.workerd.guard() });
  const profiles = [];
  for (const { name, s } of sessions) {
    const { profile } = await s.send("Profiler.stop");
    profiles.push({ name, ...selfTimes(profile) });
    s.close();
  }
  return { seconds, connections, rps: load.rps, profiles };
}
