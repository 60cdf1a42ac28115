// Turns a Worker's wrangler config into Miniflare worker options, so the local mesh runs
// exactly the bindings that deploy uses: the wrangler configs are the one source of truth.
import { join, resolve } from "node:path";
import { buildWorker, repoRoot } from "./build.mjs";

let wrangler;
async function loadWrangler() {
  wrangler ??= await import("wrangler");
  return wrangler;
}

/**
 * Read `configPath` (relative to the repository root), bundle its `main` into
 * `buildDir`, and return `{ name, options }` for Miniflare's `workers` array.
 * @param {string} configPath
 * @param {{ buildDir: string }} opts
 */
export async function workerFromConfig(configPath, { buildDir }) {
  const { unstable_readConfig, unstable_getMiniflareWorkerOptions } = await loadWrangler();
  const config = unstable_readConfig({ config: resolve(repoRoot, configPath) }, { hideWarnings: true });
  if (!config.name || !config.main) throw new Error(`${configPath}: needs both name and main`);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
  const scriptPath = await buildWorker(config.main, join(buildDir, `${config.name}.mjs`));

  // wrangler's conversion drops a service binding's props; the mesh attests workloads by them.
  const serviceBindings = { ...workerOptions.serviceBindings };
  for (const service of config.services ?? []) {
    if (service.props) serviceBindings[service.binding] = { ...serviceBindings[service.binding], props: service.props };
  }
  return {
    name: config.name,
    options: {
      name: config.name,
      modules: true,
      scriptPath,
      modulesRoot: buildDir,
      compatibilityDate: workerOptions.compatibilityDate,
      compatibilityFlags: workerOptions.compatibilityFlags,
      bindings: { ...workerOptions.bindings },
      serviceBindings,
      // A KV binding without an id gets its binding name as id: locally every data-plane
      // Worker shares one ISTHMUS_SNAPSHOTS namespace (deploy provisions them).
      kvNamespaces: workerOptions.kvNamespaces,
      durableObjects: workerOptions.durableObjects,
    },
  };
}
