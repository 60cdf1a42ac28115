// A data-plane isolate alone: start-up time and memory. Each run is a fresh workerd
// process (a new Miniflare) holding one Worker; the gateway pulls its snapshot over HTTP
// from a server in this process, so nothing else shares the process. Memory is the
// workerd process's RSS (/proc/PID/status VmRSS) after 300 requests, compared between a
// snapshot with the scale namespace at 50 routes and the same at 1,000 routes: workerd
// exposes no per-isolate heap figure.
import { readFileSync } from "node:fs";
import http from "node:http";
import { Miniflare } from "miniflare";
import { get } from "../load.mjs";
import { childPids as children } from "../mesh.mjs";
import { HIT, virtualService } from "../configs/resources.mjs";
import { SCALE, hostOf, namespaceOf } from "../configs/variants.mjs";
import { median } from "../stats.mjs";


const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);

function serveSnapshot(snapshot) {
  const body = JSON.stringify(snapshot);
  const server = http.createServer((req, res) => {
    // `since` is `<epoch>:<version>` or a bare version; this server holds one snapshot.
    const since = Number((new URL(req.url, "http://x").searchParams.get("since") ?? "0").split(":").pop());
    if (since >= snapshot.version) return res.writeHead(304).end();
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() })));
}

/** One fresh workerd with one Worker: ms to ready, ms to first response, RSS after warm-up. */
async function freshRun(worker, { path, headers, warm = 300 }) {
  const before = new Set(children());
  const t0 = performance.now();
  const mf = new Miniflare({ ...worker, unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] });
  try {
    await mf.ready;
    const readyMs = performance.now() - t0;
    const origin = (await mf.unsafeGetDirectURL(worker.name)).origin;
    const t1 = performance.now();
    const first = await get(`${origin}${path}`, { headers });
    const firstMs = performance.now() - t1;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < warm; i++) await get(`${origin}${path}`, { agent, headers });
    agent.destroy();
    const pid = children().find((p) => !before.has(p));
    return { readyMs, firstMs, firstStatus: first.status, rssKiB: pid ? rssKiB(pid) : NaN };
  } finally {
    await mf.dispose();
  }
}

export async function measureIsolate(mesh, scripts, buildDir, { runs = 3 } = {}) {
  const ns = namespaceOf(SCALE);
  const host = hostOf(SCALE);
  const snapshotNow = async () => (await mesh.api("/v1/snapshot")).json();
  await mesh.apply([virtualService(ns, host, 50)]);
  const small = await snapshotNow();
  await mesh.apply([virtualService(ns, host, 1000)]);
  const large = await snapshotNow();
  await mesh.apply([virtualService(ns, host, 50)]);

  const gateway = (url) => ({
    name: "gw",
    modules: true,
    scriptPath: scripts.gateway,
    modulesRoot: buildDir,
    compatibilityDate: "2026-04-26",
    bindings: { ISTHMUS_CONTROL_URL: url, ISTHMUS_ACCESS_LOG: "off", ISTHMUS_METRICS: "off" },
  });
  const echo = { name: "echo", modules: true, scriptPath: scripts.echo, modulesRoot: buildDir, compatibilityDate: "2026-04-26" };
  const request = { path: HIT.path, headers: { host, ...HIT.headers } };
  const results = { echo: [], small: [], large: [] };
  const servers = { small: await serveSnapshot(small), large: await serveSnapshot(large) };
  try {
    for (let r = 0; r < runs; r++) {
      results.echo.push(await freshRun(echo, { path: "/", headers: {} }));
      for (const size of r % 2 ? ["large", "small"] : ["small", "large"]) results[size].push(await freshRun(gateway(servers[size].url), request));
    }
  } finally {
    for (const s of Object.values(servers)) s.close();
  }
  const summary = (list) => ({
    readyMs: median(list.map((x) => x.readyMs)),
    firstMs: median(list.map((x) => x.firstMs)),
    rssMiB: median(list.map((x) => x.rssKiB)) / 1024,
    firstStatus: list[0]?.firstStatus,
  });
  const routesOf = (s) => s.resources.filter((x) => x.kind === "VirtualService").reduce((n, vs) => n + (vs.spec.http?.length ?? 0), 0);
  return {
    runs,
    echo: summary(results.echo),
    small: { ...summary(results.small), routes: routesOf(small), bytes: JSON.stringify(small).length },
    large: { ...summary(results.large), routes: routesOf(large), bytes: JSON.stringify(large).length },
  };
}
