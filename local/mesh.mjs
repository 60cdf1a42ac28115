// The whole mesh in one workerd process: the control plane, the gateway and Bookinfo, each
// Worker built from its wrangler config, joined by real service bindings, each serving on
// its own socket where it needs a port.
import { Miniflare } from "./miniflare.mjs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { endpointBindings, workerEndpoints } from "./gateway-endpoints.mjs";
import { CONTROL_CONFIG, DEFAULT_CONFIG_FILES, GATEWAY_CONFIG, SERVICE_CONFIGS } from "./topology.mjs";
import { workerFromConfig } from "./worker-options.mjs";

/**
 * @typedef {object} LocalMeshOptions
 * @property {string} stateDir  build output and (with `persist`) Durable Object / KV state
 * @property {string} adminToken  the first admin token of the control API
 * @property {number} [controlPort]  default 8787; 0 picks a free port
 * @property {number} [gatewayPort]  default 8080; 0 picks a free port
 * @property {string} [host]  default 127.0.0.1
 * @property {boolean} [persist]  keep state under stateDir across runs (default true)
 * @property {number} [refreshMs]  data-plane snapshot refresh interval
 * @property {Record<string, number>} [servicePorts]  optional direct ports by Worker name
 * @property {Record<string, string>} [controlVars]  extra vars for the control-plane Worker
 * @property {Record<string, string>} [dataPlaneVars]  extra vars for the gateway and every service Worker (e.g. ISTHMUS_OTLP_ENDPOINT)
 * @property {Record<string, string>} [gatewayVars]  extra vars for the gateway only (e.g. ISTHMUS_CLIENT_CA_ISSUER_DN)
 */

/**
 * @typedef {object} LocalMesh
 * @property {string} controlUrl
 * @property {string} gatewayUrl
 * @property {Record<string, string>} serviceUrls  direct URLs of Workers given a port
 * @property {string[]} workers  names of every Worker running
 * @property {Record<string, "cached" | "built">} builds  per Worker: reused from the build cache, or built (see local/build.mjs)
 * @property {import("miniflare").Miniflare} mf
 * @property {string} gatewayWorker  the gateway Worker's name
 * @property {(vars: Record<string, string>) => Promise<boolean>} setGatewayVars  changes gateway vars; restarts workerd (state kept) only when one differs
 * @property {() => Promise<void>} dispose
 */

// `/readyz` of the local control plane (see controlplane/http/readiness.ts) checks the mesh's
// health and its bootstrap, never the user's routes: every Worker of the mesh answers when
// probed directly through a binding that exists only locally (the deployed control plane
// has none), the CA is bootstrapped, and a configuration was applied once (bootstrap puts
// the defaults into an empty store; changing or deleting them later keeps this true).
// Meshed Workers answer the mesh's own readiness path (withMesh's MESH_READY_PATH: 204 once
// the isolate holds a snapshot, before authentication, so probes are not counted as
// authentication failures); the plain details app must answer its health check; the
// gateway only has to answer.
/** @type {Record<string, string>} */
const HEALTH_PATHS = { "bookinfo-details-v1-app": "health" };
const MESH_READY_PATH = ".well-known/isthmus/ready";
const GATEWAYS = new Set(["isthmus-gateway"]);

/**
 * @param {Record<string, any>} controlOptions  Miniflare options of the control-plane Worker
 * @param {{ name: string }[]} workers
 */
function addReadinessProbes(controlOptions, workers) {
  const probes = ["configured"];
  for (const { name } of workers) {
    const binding = `READY_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
    controlOptions.serviceBindings[binding] = { name };
    probes.push(HEALTH_PATHS[name] ? `${binding}/${HEALTH_PATHS[name]}` : GATEWAYS.has(name) ? `answers:${binding}/readyz` : `${binding}/${MESH_READY_PATH}`);
  }
  controlOptions.bindings.ISTHMUS_READY_CHECKS = probes.join(",");
}

// Given a `scriptPath` with `modules: true`, Miniflare parses the whole script (acorn, in
// Node) to find the modules it imports: most of the time workerd took to start (2.5 s of
// ~3.5 s) and again on each restart. A bundle imports nothing but built-ins (local/build.mjs
// keeps only cloudflare:* and node:* external), so it is handed over as the one module it
// is, under the same name.
/** @param {Record<string, any>} options  Miniflare worker options with `scriptPath` */
function asOneModule({ scriptPath, ...options }) {
  return { ...options, modules: [{ type: "ESModule", path: scriptPath }] };
}

/**
 * Start the local mesh. Resolves once workerd listens on every socket; the control plane
 * may still be bootstrapping (see local/bootstrap.mjs).
 * @param {LocalMeshOptions} options
 * @returns {Promise<LocalMesh>}
 */
export async function startLocalMesh(options) {
  const stateDir = resolve(options.stateDir);
  const host = options.host ?? "127.0.0.1";
  const buildDir = join(stateDir, "build");
  await mkdir(buildDir, { recursive: true });

  const [control, gateway, ...services] = await Promise.all(
    [CONTROL_CONFIG, GATEWAY_CONFIG, ...SERVICE_CONFIGS].map((config) => workerFromConfig(config, { buildDir, minify: true })),
  );
  const builds = Object.fromEntries([control, gateway, ...services].map((worker) => /** @type {[string, "cached" | "built"]} */ ([worker.name, worker.cached ? "cached" : "built"])));
  // Any Bookinfo service can be exposed through the gateway, as in Istio: its config's own bindings win.
  const reach = endpointBindings(await workerEndpoints(DEFAULT_CONFIG_FILES), [gateway, ...services]);
  gateway.options.serviceBindings = { ...Object.fromEntries(Object.entries(reach).map(([binding, name]) => [binding, { name }])), ...gateway.options.serviceBindings };

  Object.assign(control.options.bindings, { ISTHMUS_ADMIN_TOKEN: options.adminToken }, options.controlVars);
  // The OIDC issuer is the control plane's configured URL (with port 0 it is known only later: left unset).
  const controlPort = options.controlPort ?? 8787;
  if (controlPort !== 0) control.options.bindings.ISTHMUS_PUBLIC_URL ??= `http://${host}:${controlPort}`;
  addReadinessProbes(control.options, [gateway, ...services]);
  for (const worker of [gateway, ...services]) Object.assign(worker.options.bindings, options.dataPlaneVars);
  Object.assign(gateway.options.bindings, options.gatewayVars);
  if (options.refreshMs !== undefined) {
    for (const worker of [gateway, ...services]) worker.options.bindings.ISTHMUS_REFRESH_MS = String(options.refreshMs);
  }
  const socket = (/** @type {number} */ port) => [{ host, port }];
  control.options.unsafeDirectSockets = socket(options.controlPort ?? 8787);
  gateway.options.unsafeDirectSockets = socket(options.gatewayPort ?? 8080);
  for (const service of services) {
    const port = options.servicePorts?.[service.name];
    if (port !== undefined) service.options.unsafeDirectSockets = socket(port);
  }

  for (const worker of [control, gateway, ...services]) worker.options = asOneModule(worker.options);

  const persist = options.persist ?? true;
  const mfOptions = {
    host,
    port: 0,
    workers: [control.options, gateway.options, ...services.map((s) => s.options)],
    durableObjectsPersist: persist ? join(stateDir, "durable-objects") : false,
    kvPersist: persist ? join(stateDir, "kv") : false,
  };
  const mf = new Miniflare(mfOptions);
  // Worker vars are fixed when workerd starts: a new value means a restart (sockets keep their ports).
  const setGatewayVars = async (/** @type {Record<string, string>} */ vars) => {
    if (Object.entries(vars).every(([name, value]) => gateway.options.bindings[name] === value)) return false;
    Object.assign(gateway.options.bindings, vars);
    await mf.setOptions(mfOptions);
    return true;
  };
  try {
    await mf.ready;
    const url = async (/** @type {string} */ name) => (await mf.unsafeGetDirectURL(name)).origin;
    /** @type {Record<string, string>} */
    const serviceUrls = {};
    for (const name of Object.keys(options.servicePorts ?? {})) serviceUrls[name] = await url(name);
    return {
      controlUrl: await url(control.name),
      gatewayUrl: await url(gateway.name),
      serviceUrls,
      workers: [control.name, gateway.name, ...services.map((s) => s.name)],
      builds,
      mf,
      gatewayWorker: gateway.name,
      setGatewayVars,
      dispose: () => mf.dispose(),
    };
  } catch (error) {
    await mf.dispose().catch(() => {});
    throw error;
  }
}
