// Builds what @isthmus/mesh ships (npm pack runs it as prepack): the data plane bundled to
// ESM for Workers with its third-party packages left as the package's dependencies, and
// the declarations of its public API (tsc), so a user's Worker type-checks against it.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { checkBundleImports, checkRelease } from "../release.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const manifest = JSON.parse(readFileSync(new URL("package.json", import.meta.url), "utf8"));
checkRelease(manifest);
rmSync(new URL("dist", import.meta.url), { recursive: true, force: true });

const result = await build({
  absWorkingDir: here,
  entryPoints: { index: "../../workers/sidecar/with-mesh.ts", sidecar: "../../workers/sidecar/worker.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  external: [...Object.keys(manifest.dependencies), "cloudflare:*", "node:*"],
  metafile: true,
  logLevel: "warning",
});
checkBundleImports(result.metafile, manifest);

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const declarations = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: here, stdio: "inherit" });
if (declarations.status !== 0) throw new Error(`tsc (declarations) exited with ${declarations.status}`);
