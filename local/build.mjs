// Bundles a Worker's TypeScript entry into one ES module for workerd, as wrangler would.
import { build } from "esbuild";
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { dashboardPlugin } from "../dashboard/build.mjs";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

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
  await build({
    entryPoints: [resolve(repoRoot, entry)],
    outfile: out,
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
  });
  return out;
}
