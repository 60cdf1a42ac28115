// Bundles a Worker's TypeScript entry into one ES module for workerd, as wrangler would.
import { build, version as esbuildVersion } from "esbuild";
import { access, mkdir, readFile, readdir } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { dashboardPlugin } from "../dashboard/build.mjs";
import { cachedBuild, contentHash } from "./build-cache.mjs";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** @satisfies {import("esbuild").BuildOptions} */
const OPTIONS = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  mainFields: ["browser", "module", "main"],
  conditions: ["workerd", "worker", "browser", "import"],
  external: ["cloudflare:*", "node:*"],
  // The control-plane Worker serves the dashboard, bundled here as `isthmus:dashboard`.
  plugins: [dashboardPlugin],
  sourcemap: false,
  logLevel: "error",
};

// For the local mesh only: workerd and Miniflare's config encoding take time in proportion to
// the code, and minified bundles are half the size (~0.3 s of `npm start`). keepNames keeps
// function and class names in stack traces and for code that reads `.name`.
/** @satisfies {import("esbuild").BuildOptions} */
const MINIFIED = { minify: true, keepNames: true };

/**
 * Bundle `entry` (relative to the repository root) to `outfile`; returns the absolute
 * path of the bundle. Same resolution conditions as wrangler, so what runs locally is
 * what deploys.
 * @param {string} entry
 * @param {string} outfile
 */
export async function buildWorker(entry, outfile) {
  const out = resolve(repoRoot, outfile);
  await mkdir(dirname(out), { recursive: true });
  await build({ ...OPTIONS, entryPoints: [resolve(repoRoot, entry)], outfile: out });
  return out;
}

// A plugin's virtual module hides the files it was made from; these are the files behind
// each such namespace (its own build reads packages only through node_modules, covered by
// package-lock.json in the key).
/** @type {Record<string, string[]>} */
const VIRTUAL_MODULE_SOURCES = { "isthmus-dashboard": ["dashboard/src", "dashboard/tsconfig.json"] };

// What decides how any bundle is made, besides its inputs: the bundler and these options
// (this file and the dashboard's build script hold them) and the installed packages.
const KEY_FILES = ["local/build.mjs", "dashboard/build.mjs", "package.json", "package-lock.json"];
/** @type {Promise<(string | null)[]> | undefined} */
let keyFileHashes;
/** @param {string} entry @param {import("esbuild").BuildOptions} options */
async function keyOf(entry, options) {
  keyFileHashes ??= Promise.all(KEY_FILES.map((file) => readFile(resolve(repoRoot, file)).then(contentHash, () => null)));
  const hashes = await keyFileHashes;
  return contentHash(JSON.stringify({ esbuildVersion, options: { ...options, plugins: options.plugins?.map((p) => p.name) }, hashes, entry }));
}

/** One bundle per entry and build directory at a time, however many Workers share it. */
/** @type {Map<string, Promise<{ path: string, cached: boolean }>>} */
const inFlight = new Map();

/**
 * Bundle `entry` into `buildDir`, reusing the bundle there when its entry's inputs (every
 * file esbuild read, the tsconfig.json files that apply to them, the dashboard's sources
 * for the control plane) and the build options are unchanged. Workers that share an entry
 * share one bundle. `minify` (the local mesh) makes a minified bundle beside the plain one.
 * @param {string} entry  relative to the repository root, or absolute
 * @param {string} buildDir
 * @param {{ minify?: boolean }} [opts]
 * @returns {Promise<{ path: string, cached: boolean }>}
 */
export function bundleWorker(entry, buildDir, { minify = false } = {}) {
  const entryPath = resolve(repoRoot, entry);
  const options = minify ? { ...OPTIONS, ...MINIFIED } : OPTIONS;
  const outfile = join(resolve(buildDir), `${buildFileName(entryPath)}${minify ? ".min" : ""}.mjs`);
  let pending = inFlight.get(outfile);
  if (!pending) {
    pending = keyOf(entryPath, options)
      .then((key) => cachedBuild({ outfile, key, build: () => bundle(entryPath, options) }))
      .finally(() => inFlight.delete(outfile));
    inFlight.set(outfile, pending);
  }
  return pending;
}

/**
 * A file name in a build directory for what is built from `path`:
 * demo/bookinfo/reviews/meshed.ts -> demo-bookinfo-reviews-meshed-ts.
 * @param {string} path  absolute
 */
export function buildFileName(path) {
  return relative(repoRoot, path).replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

/**
 * @param {string} entryPath @param {import("esbuild").BuildOptions} options
 * @returns {Promise<import("./build-cache.mjs").BuildOutput>}
 */
async function bundle(entryPath, options) {
  // Metafile paths are relative to absWorkingDir: pinned, so they resolve whatever the cwd.
  const result = await build({ ...options, entryPoints: [entryPath], outfile: "bundle.mjs", write: false, metafile: true, absWorkingDir: repoRoot });
  /** @type {Set<string>} */
  const inputs = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    const namespace = /^([a-z-]+):/.exec(input)?.[1];
    if (namespace && namespace !== "file") {
      const sources = VIRTUAL_MODULE_SOURCES[namespace];
      // Caching a bundle without knowing what its virtual module was made from would reuse it stale.
      if (!sources) throw new Error(`${entryPath}: add the sources of the virtual module namespace "${namespace}" to VIRTUAL_MODULE_SOURCES in local/build.mjs`);
      for (const source of sources) for (const file of await filesUnder(resolve(repoRoot, source))) inputs.add(file);
    } else {
      inputs.add(resolve(repoRoot, input.replace(/^file:/, "")));
    }
  }
  for (const tsconfig of await tsconfigsFor([...inputs])) inputs.add(tsconfig);
  return { contents: result.outputFiles[0].contents, inputs: [...inputs].sort() };
}

/** @param {string} path */
async function filesUnder(path) {
  const entries = await readdir(path, { withFileTypes: true, recursive: true }).catch(() => null);
  if (!entries) return [path];
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

// esbuild reads the nearest tsconfig.json of each source file (outside node_modules).
/** @param {string[]} files */
async function tsconfigsFor(files) {
  const dirs = new Set();
  for (const file of files) {
    if (file.includes(`${sep}node_modules${sep}`)) continue;
    for (let dir = dirname(file); dir.startsWith(repoRoot) && !dirs.has(dir); dir = dirname(dir)) dirs.add(dir);
  }
  const found = await Promise.all(
    [...dirs].map((dir) => join(dir, "tsconfig.json")).map((path) => access(path).then(() => path, () => null)),
  );
  return found.filter((path) => path !== null);
}
