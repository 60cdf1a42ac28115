// Builds what @isthmus/cli ships (npm pack runs it as prepack): bin/isthmus.js and the CLI
// it loads bundled into one ESM file for Node, its third-party packages left as the
// package's dependencies. The version it prints is this package's (cli/release.js).
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkBundleImports, checkRelease } from "../release.mjs";

const manifest = JSON.parse(readFileSync(new URL("package.json", import.meta.url), "utf8"));
checkRelease(manifest);
rmSync(new URL("dist", import.meta.url), { recursive: true, force: true });

const result = await build({
  absWorkingDir: fileURLToPath(new URL(".", import.meta.url)),
  entryPoints: { isthmus: "../../bin/isthmus.js" },
  outdir: "dist",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: Object.keys(manifest.dependencies),
  metafile: true,
  logLevel: "warning",
});
checkBundleImports(result.metafile, manifest);
