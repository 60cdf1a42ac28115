// Turns a Worker's wrangler config into Miniflare worker options, so the local mesh runs
// exactly the bindings that deploy uses: the wrangler configs are the one source of truth.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { cachedBuild, contentHash } from "./build-cache.mjs";
import { buildFileName, bundleWorker, repoRoot } from "./build.mjs";

// Loading wrangler takes over a second, so its reading of a config is cached too and
// wrangler is loaded only when a config (or what wrangler reads beside it) changed.
let wrangler;
async function loadWrangler() {
  wrangler ??= await import("wrangler");
  return wrangler;
}
const wranglerVersion = createRequire(import.meta.url)("wrangler/package.json").version;

// Besides the config itself, wrangler's local bindings read these files beside it (vars and
// secrets) and its CLOUDFLARE_* / WRANGLER_* environment variables.
const LOCAL_VARS_FILES = [".dev.vars", ".env", ".env.local"];

/**
 * The parts of a wrangler config the local mesh runs, as wrangler reads them.
 * @typedef {object} WorkerConfig
 * @property {string} name
 * @property {string} main  absolute path of the entry
 * @property {Record<string, any>} workerOptions  wrangler's Miniflare options for the config
 */

/**
 * @param {string} configPath @param {string} buildDir
 * @returns {Promise<{ config: WorkerConfig, cached: boolean }>}
 */
async function readWorkerConfig(configPath, buildDir) {
  const path = resolve(repoRoot, configPath);
  const environment = Object.entries(process.env).filter(([name]) => /^(CLOUDFLARE|WRANGLER)_/.test(name)).sort();
  const key = contentHash(JSON.stringify({ wranglerVersion, path, environment }));
  const outfile = join(resolve(buildDir), `${buildFileName(path)}.json`);
  let config;
  const read = async () => {
    config = await convert(path);
    return { contents: JSON.stringify(config), inputs: [path, ...LOCAL_VARS_FILES.map((file) => join(dirname(path), file))] };
  };
  // The record may hold values from .dev.vars, so it is kept like the state dir's secrets.
  const { cached } = await cachedBuild({ outfile, key, build: read, mode: 0o600 });
  config ??= JSON.parse(await readFile(outfile, "utf8"));
  return { config, cached };
}

/** @param {string} path */
async function convert(path) {
  const { unstable_readConfig, unstable_getMiniflareWorkerOptions } = await loadWrangler();
  const config = unstable_readConfig({ config: path }, { hideWarnings: true });
  if (!config.name || !config.main) throw new Error(`${path}: needs both name and main`);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
  // wrangler's conversion drops a service binding's props; the mesh attests workloads by them.
  const serviceBindings = { ...workerOptions.serviceBindings };
  for (const [binding, target] of Object.entries(serviceBindings)) {
    // A Worker bound to itself is named by a symbol, which a cached record cannot hold.
    if (typeof target.name === "symbol") serviceBindings[binding] = { ...target, name: config.name };
  }
  for (const service of config.services ?? []) {
    if (service.props) serviceBindings[service.binding] = { ...serviceBindings[service.binding], props: service.props };
  }
  return {
    name: config.name,
    main: resolve(dirname(path), config.main),
    workerOptions: {
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

/**
 * Read `configPath` (relative to the repository root), bundle its `main` into `buildDir`
 * (reusing an unchanged bundle, see bundleWorker), and return `{ name, options }` for
 * Miniflare's `workers` array; `cached` says nothing had to be read or built again.
 * `main` bundles another entry with the config's bindings (a test fixture standing in for
 * the config's service). `minify` bundles it minified (see bundleWorker).
 * @param {string} configPath
 * @param {{ buildDir: string, main?: string, minify?: boolean }} opts
 * @returns {Promise<{ name: string, options: Record<string, any>, cached: boolean }>}
 */
export async function workerFromConfig(configPath, { buildDir, main, minify }) {
  const { config, cached: configCached } = await readWorkerConfig(configPath, buildDir);
  const bundle = await bundleWorker(main ?? config.main, buildDir, { minify });
  return {
    name: config.name,
    cached: configCached && bundle.cached,
    options: {
      name: config.name,
      modules: true,
      scriptPath: bundle.path,
      modulesRoot: dirname(bundle.path),
      ...structuredClone(config.workerOptions),
    },
  };
}
