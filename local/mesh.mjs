// The whole mesh in one workerd process: the control plane, the gateway and Bookinfo, each
// Worker built from its wrangler config, joined by real service bindings, each serving on
// its own socket where it needs a port.
import { Miniflare } from "miniflare";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CONTROL_CONFIG, GATEWAY_CONFIG, SERVICE_CONFIGS } from "./topology.mjs";
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
 */

/**
 * @typedef {object} LocalMesh
 * @property {string} controlUrl
 * @property {string} gatewayUrl
 * @property {Record<string, string>} serviceUrls  direct URLs of Workers given a port
 * @property {string[]} workers  names of every Worker running
 * @property {Miniflare} mf
 * @property {() => Promise<void>} dispose
 */

/** Resources whose presence means the default configuration is applied. */
const READY_RESOURCES = ["gateways/default/bookinfo-gateway", "virtualservices/default/bookinfo", "serviceentries/default/productpage"];

// `/readyz` of the local control plane also probes the mesh's Workers, through service
// bindings that exist only locally (the deployed control plane has none). Demo services
// require a workload identity (STRICT by default), so they are probed the way users reach
// them: through the gateway, whose Bookinfo API answers with its upstream's status
// (details, reviews); the plain details Worker behind the sidecar is probed directly.
const GATEWAY_PROBES = ["productpage", "api/v1/products/0", "api/v1/products/0/reviews"];
const UNMESHED_PROBES = { "bookinfo-details-v1-app": "health" };

function addReadinessProbes(controlOptions, gateway, services) {
  const bindingFor = (name) => {
    const binding = `READY_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
    controlOptions.serviceBindings[binding] = { name };
    return binding;
  };
  const probes = GATEWAY_PROBES.map((path) => `${bindingFor(gateway.name)}/${path}`);
  for (const service of services) {
    const path = UNMESHED_PROBES[service.name];
    if (path) probes.push(`${bindingFor(service.name)}/${path}`);
  }
  probes.push(...READY_RESOURCES.map((resource) => `resource:${resource}`));
  controlOptions.bindings.ISTHMUS_READY_CHECKS = probes.join(",");
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

  const control = await workerFromConfig(CONTROL_CONFIG, { buildDir });
  const gateway = await workerFromConfig(GATEWAY_CONFIG, { buildDir });
  const services = [];
  for (const config of SERVICE_CONFIGS) services.push(await workerFromConfig(config, { buildDir }));

  Object.assign(control.options.bindings, { ISTHMUS_ADMIN_TOKEN: options.adminToken }, options.controlVars);
  // The OIDC issuer is the control plane's configured URL (with port 0 it is known only later: left unset).
  const controlPort = options.controlPort ?? 8787;
  if (controlPort !== 0) control.options.bindings.ISTHMUS_PUBLIC_URL ??= `http://${host}:${controlPort}`;
  // Whatever local port the gateway listens on, Gateway resources see Istio's 8080.
  gateway.options.bindings.ISTHMUS_GATEWAY_LISTENER_PORT = "8080";
  addReadinessProbes(control.options, gateway, services);
  for (const worker of [gateway, ...services]) Object.assign(worker.options.bindings, options.dataPlaneVars);
  if (options.refreshMs !== undefined) {
    for (const worker of [gateway, ...services]) worker.options.bindings.ISTHMUS_REFRESH_MS = String(options.refreshMs);
  }
  const socket = (port) => [{ host, port }];
  control.options.unsafeDirectSockets = socket(options.controlPort ?? 8787);
  gateway.options.unsafeDirectSockets = socket(options.gatewayPort ?? 8080);
  for (const service of services) {
    const port = options.servicePorts?.[service.name];
    if (port !== undefined) service.options.unsafeDirectSockets = socket(port);
  }

  const persist = options.persist ?? true;
  const mf = new Miniflare({
    host,
    port: 0,
    workers: [control.options, gateway.options, ...services.map((s) => s.options)],
    durableObjectsPersist: persist ? join(stateDir, "durable-objects") : false,
    kvPersist: persist ? join(stateDir, "kv") : false,
  });
  try {
    await mf.ready;
    const url = async (name) => (await mf.unsafeGetDirectURL(name)).origin;
    const serviceUrls = {};
    for (const name of Object.keys(options.servicePorts ?? {})) serviceUrls[name] = await url(name);
    return {
      controlUrl: await url(control.name),
      gatewayUrl: await url(gateway.name),
      serviceUrls,
      workers: [control.name, gateway.name, ...services.map((s) => s.name)],
      mf,
      dispose: () => mf.dispose(),
    };
  } catch (error) {
    await mf.dispose().catch(() => {});
    throw error;
  }
}
