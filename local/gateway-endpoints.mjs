// The gateway reaches every `worker://` endpoint of the mesh's default config, as Istio's
// ingress gateway reaches every service: a Gateway-bound route to any Bookinfo service then
// answers instead of 503 `no service binding`. Bindings are fixed when a Worker starts, so
// this is decided from the config files and the topology's Workers.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "./build.mjs";

/** `reviews-v2` -> `REVIEWS_V2` (dataplane/outbound/dispatch.ts bindingName). */
const bindingName = (/** @type {string} */ name) => name.toUpperCase().replace(/[^A-Z0-9]/g, "_");

/**
 * The `worker://NAME` endpoints of the ServiceEntries in `files` (relative to the repository), in order.
 * @param {string[]} files @returns {Promise<string[]>}
 */
export async function workerEndpoints(files) {
  const names = new Set();
  for (const file of files) {
    for (const document of parseAllDocuments(await readFile(resolve(repoRoot, file), "utf8"))) {
      const resource = document.toJS();
      if (resource?.kind !== "ServiceEntry") continue;
      for (const endpoint of resource.spec?.endpoints ?? []) {
        const match = /^worker:\/\/([A-Za-z0-9][A-Za-z0-9_-]*)$/.exec(endpoint.address ?? "");
        if (match) names.add(match[1]);
      }
    }
  }
  return [...names];
}

/**
 * Binding name -> Worker name for each endpoint NAME the `workers` run: the Worker another
 * Worker's binding of that name goes to (the configs already say who serves reviews-v2), else
 * the Worker named NAME or ending in `-NAME`. Endpoints no Worker serves are left out.
 * @param {string[]} endpoints
 * @param {{ name: string, options: { serviceBindings?: Record<string, any> } }[]} workers
 * @returns {Record<string, string>}
 */
export function endpointBindings(endpoints, workers) {
  const names = new Set(workers.map((worker) => worker.name));
  /** @type {Map<string, string>} */
  const known = new Map();
  for (const worker of workers) {
    for (const [binding, target] of Object.entries(worker.options.serviceBindings ?? {})) {
      const to = typeof target === "string" ? target : target?.name;
      if (typeof to === "string" && names.has(to) && !target?.entrypoint && !known.has(binding)) known.set(binding, to);
    }
  }
  /** @type {Record<string, string>} */
  const bindings = {};
  for (const endpoint of endpoints) {
    const binding = bindingName(endpoint);
    const worker = known.get(binding) ?? [...names].find((name) => name === endpoint || name.endsWith(`-${endpoint}`));
    if (worker) bindings[binding] = worker;
  }
  return bindings;
}
