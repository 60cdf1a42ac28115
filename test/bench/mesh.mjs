// The bench's workerd process: the floors (the trivial service on its own socket twice, a
// bare forwarding Worker, and two of them in a row: the standalone sidecar's topology
// without the mesh), the control plane, two gateways (telemetry on / off), every
// variant's endpoints and a local OTLP sink; each Worker a client reaches has its own
// socket. Config goes in through the REST API, as a user's would.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { Miniflare } from "miniflare";
import { join } from "node:path";
import { buildWorker } from "../../local/build.mjs";
import { workerFromConfig } from "../../local/worker-options.mjs";
import { get } from "./load.mjs";
import { HIT, edgeResources } from "./configs/resources.mjs";
import { SCALE, VARIANTS, endpointWorker, gatewayOf, hostOf, namespaceOf, variantResources, versions } from "./configs/variants.mjs";

export const ADMIN_TOKEN = "bench-admin-token";
const CONTROL = "isthmus-control";
const DATE = "2026-04-26";
const binding = (name) => name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
const ownSocket = () => [{ host: "127.0.0.1", port: 0 }];

/** Process ids of this process's children (Miniflare starts workerd as one). */
export function childPids() {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(process.pid)], { encoding: "utf8" }).split("\n").map((s) => s.trim()).filter(Boolean);
  } catch {
    return [];
  }
}

/** Builds every bench Worker into `buildDir`; returns script paths by role. */
export async function buildScripts(buildDir) {
  const [echo, forward, meshed, sidecar, gateway, sink] = await Promise.all([
    buildWorker("test/bench/workers/echo.ts", join(buildDir, "echo.mjs")),
    buildWorker("test/bench/workers/forward.ts", join(buildDir, "forward.mjs")),
    buildWorker("test/bench/workers/echo-meshed.ts", join(buildDir, "echo-meshed.mjs")),
    buildWorker("workers/sidecar/worker.ts", join(buildDir, "sidecar.mjs")),
    buildWorker("workers/gateway/worker.ts", join(buildDir, "gateway.mjs")),
    buildWorker("test/bench/workers/otlp-sink.ts", join(buildDir, "otlp-sink.mjs")),
  ]);
  const control = await workerFromConfig("wrangler.toml", { buildDir });
  return { echo, forward, meshed, sidecar, gateway, sink, control };
}

/** Telemetry vars of a mode (see VARIANTS): default, full (100 % traces) or off. */
export function telemetryVars(mode, sinkUrl) {
  // Access logs (console lines) stay off in every mode: they would measure the log pipe.
  if (mode === "off") return { ISTHMUS_ACCESS_LOG: "off", ISTHMUS_TRACE_SAMPLING: "0", ISTHMUS_METRICS: "off" };
  return { ISTHMUS_ACCESS_LOG: "off", ISTHMUS_OTLP_ENDPOINT: sinkUrl, ...(mode === "full" ? { ISTHMUS_TRACE_SAMPLING: "100" } : {}) };
}

/**
 * Starts the bench mesh and applies every variant's config. `sinkPort` must be free: the
 * data plane's OTLP endpoint is a var, so it is fixed before the process starts.
 */
export async function startBenchMesh({ scripts, buildDir, sinkPort, externalSinkUrl, refreshMs = 1000, inspectorPort }) {
  const sinkUrl = externalSinkUrl ?? `http://127.0.0.1:${sinkPort}`;
  const dataPlane = (namespace, serviceAccount, vars) => ({
    modules: true,
    compatibilityDate: DATE,
    // withMesh binds each request's mesh client with AsyncLocalStorage (node:async_hooks).
    compatibilityFlags: ["nodejs_als"],
    modulesRoot: buildDir,
    bindings: { ISTHMUS_REFRESH_MS: String(refreshMs), ...vars },
    serviceBindings: { ISTHMUS_CONTROL: { name: CONTROL, entrypoint: "MeshPeer", props: { namespace, serviceAccount } } },
    kvNamespaces: { ISTHMUS_SNAPSHOTS: "bench-snapshots" },
  });
  const plain = (name, scriptPath, extra = {}) => ({ name, modules: true, compatibilityDate: DATE, modulesRoot: buildDir, scriptPath, ...extra });

  const workers = [
    plain("echo", scripts.echo, { unsafeDirectSockets: ownSocket() }),
    plain("echo-b", scripts.echo, { unsafeDirectSockets: ownSocket(), bindings: { VERSION: "v2" } }),
    plain("forward", scripts.forward, { serviceBindings: { UPSTREAM: "echo" }, unsafeDirectSockets: ownSocket() }),
    // gateway -> plain forwarding Worker -> service: where the sidecar sits, nothing meshed.
    plain("forward-hop", scripts.forward, { serviceBindings: { UPSTREAM: "echo" } }),
    plain("forward-two", scripts.forward, { serviceBindings: { UPSTREAM: "forward-hop" }, unsafeDirectSockets: ownSocket() }),
    {
      ...scripts.control.options,
      modulesRoot: buildDir,
      bindings: { ...scripts.control.options.bindings, ISTHMUS_ADMIN_TOKEN: ADMIN_TOKEN, ISTHMUS_CA_WRAPPING_KEY: "bench-wrapping-key-0123456789abcdef" },
      unsafeDirectSockets: ownSocket(),
    },
  ];
  const endpointBindings = {};
  for (const variant of [...VARIANTS, SCALE]) {
    const ns = namespaceOf(variant);
    const vars = telemetryVars(variant.telemetry, sinkUrl);
    for (const version of versions) {
      const name = endpointWorker(variant, version);
      endpointBindings[binding(name)] = name;
      const service = { SERVICE: "echo", VERSION: version, NAMESPACE: ns };
      if (variant.kind === "meshed") {
        workers.push({ ...dataPlane(ns, "echo", { ...vars, ...service }), name, scriptPath: scripts.meshed });
      } else {
        const base = dataPlane(ns, "echo", { ...vars, ISTHMUS_SERVICE: "echo", ISTHMUS_NAMESPACE: ns, ISTHMUS_VERSION: version });
        workers.push({ ...base, name, scriptPath: scripts.sidecar, serviceBindings: { ...base.serviceBindings, UPSTREAM: `${name}-app` } });
        workers.push(plain(`${name}-app`, scripts.echo, { bindings: service }));
      }
    }
  }
  for (const mode of ["default", "full", "off"]) {
    const name = gatewayOf({ telemetry: mode });
    const base = dataPlane("istio-system", "istio-ingressgateway-service-account", telemetryVars(mode, sinkUrl));
    workers.push({ ...base, name, scriptPath: scripts.gateway, serviceBindings: { ...base.serviceBindings, ...endpointBindings }, unsafeDirectSockets: ownSocket() });
  }

  if (!externalSinkUrl) workers.push(plain("otlp-sink", scripts.sink, { unsafeDirectSockets: [{ host: "127.0.0.1", port: sinkPort }] }));
  const before = new Set(childPids());
  const mf = new Miniflare({ workers, kvPersist: false, durableObjectsPersist: false, ...(inspectorPort ? { inspectorPort } : {}) });
  await mf.ready;
  const workerdPid = childPids().find((pid) => !before.has(pid));
  /** Open file descriptors of this workerd process (sockets included); NaN if unknown. */
  const openFiles = () => {
    try {
      return readdirSync(`/proc/${workerdPid}/fd`).length;
    } catch {
      return NaN;
    }
  };
  const origin = async (name) => (await mf.unsafeGetDirectURL(name)).origin;
  const urls = {};
  for (const name of ["echo", "echo-b", "forward", "forward-two", "gw", "gw-full", "gw-off", CONTROL]) urls[name] = await origin(name);
  urls.control = urls[CONTROL];
  urls.sink = sinkUrl;

  const api = (path, init = {}) =>
    fetch(new URL(path, urls.control), { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers } });
  /** POST /v1/apply of JSON resources; throws unless 2xx; returns the snapshot version after. */
  const apply = async (resources) => {
    const response = await api("/v1/apply", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(resources) });
    const body = await response.json();
    if (!response.ok) throw new Error(`apply: ${response.status} ${JSON.stringify(body).slice(0, 2000)}`);
    return body;
  };
  const snapshotVersion = async () => {
    const response = await api("/v1/snapshot");
    const body = await response.json();
    if (!response.ok) throw new Error(`snapshot: ${response.status}`);
    return body.version;
  };
  /** Polls a gateway until its answers carry snapshot >= `version`; resolves to ms waited. */
  const settle = async (version, { gateway = "gw", host = "mesh.bench", timeoutMs = 30_000 } = {}) => {
    const started = performance.now();
    while (performance.now() - started < timeoutMs) {
      const { headers } = await get(`${urls[gateway]}${HIT.path}`, { headers: { host, ...HIT.headers } });
      if (Number(headers["x-isthmus-snapshot"]) >= version) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`${gateway} did not reach snapshot ${version} within ${timeoutMs} ms`);
  };

  await apply([...edgeResources(), ...[...VARIANTS, SCALE].flatMap((variant) => variantResources(variant))]);
  const version = await snapshotVersion();
  for (const variant of VARIANTS) await settle(version, { gateway: gatewayOf(variant), host: hostOf(variant) });
  // Sockets workerd opens under load (trace exports) must close before the next run starts,
  // or they add up to the process's descriptor limit and workerd aborts: `drain` waits up to
  // 30 s for them, `guard` (for wrkThroughput) stops a run early when the count nears the limit.
  const idleFiles = openFiles();
  const limit = Number(/Max open files\s+(\d+)/.exec(readFileSync("/proc/self/limits", "utf8"))?.[1] ?? 1024);
  const workerd = {
    openFiles,
    idleFiles,
    /** For wrkThroughput: a reason to stop once workerd holds `budget` of its descriptor limit. */
    guard: (budget = 0.5) => () => (openFiles() > budget * limit ? `workerd held over ${Math.round(budget * limit)} descriptors` : undefined),
    /** Drains only when over half the limit: for long request loops. */
    async relieve() {
      if (openFiles() > 0.5 * limit) await workerd.drain();
    },
    async drain() {
      for (let waited = 0; waited < 30_000 && openFiles() > Math.max(idleFiles + 200, 1000); waited += 250) await new Promise((r) => setTimeout(r, 250));
    },
  };
  return { mf, urls, api, apply, snapshotVersion, settle, workerd, dispose: () => mf.dispose() };
}
