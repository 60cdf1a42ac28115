// Bundles the dashboard (Preact + TypeScript under dashboard/src) into one script and one
// stylesheet. The control-plane Worker imports the result as the virtual module
// `isthmus:dashboard`: local/build.mjs provides it through `dashboardPlugin`, and
// `wrangler deploy` through wrangler.toml's [build] command (this file, run as a script)
// and [alias]. Nothing generated is checked in.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** The specifier the control-plane Worker imports the bundle by. */
export const DASHBOARD_MODULE = "isthmus:dashboard";

/**
 * Build the dashboard in memory.
 * @returns {Promise<{ js: string, css: string, version: string }>} version: a content hash for cache busting
 */
export async function buildDashboard() {
  const result = await build({
    entryPoints: [resolve(here, "src/main.tsx")],
    bundle: true,
    write: false,
    outdir: "out",
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    legalComments: "none",
    logLevel: "error",
  });
  const text = (/** @type {string} */ ext) => result.outputFiles.filter((file) => file.path.endsWith(ext)).map((file) => file.text).join("\n");
  const js = text(".js");
  const css = text(".css");
  const version = createHash("sha256").update(js).update(css).digest("hex").slice(0, 12);
  return { js, css, version };
}

/** The bundle as the source of an ES module whose default export is `{ js, css, version }`. */
export async function dashboardModuleSource() {
  return `export default ${JSON.stringify(await buildDashboard())};\n`;
}

/**
 * esbuild plugin resolving `isthmus:dashboard` to the freshly built bundle.
 * @type {import("esbuild").Plugin}
 */
export const dashboardPlugin = {
  name: "isthmus-dashboard",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^isthmus:dashboard$/ }, () => ({ path: DASHBOARD_MODULE, namespace: "isthmus-dashboard" }));
    pluginBuild.onLoad({ filter: /.*/, namespace: "isthmus-dashboard" }, async () => ({ contents: await dashboardModuleSource(), loader: "js" }));
  },
};

// `node dashboard/build.mjs OUTFILE`: write the module for wrangler's [alias].
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? "dist/dashboard/bundle.js");
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, await dashboardModuleSource());
}
