// What both packages' builds check before they ship: the package is released with the
// mesh (same version, the repository's pinned dependency versions, so what is tested here
// is what users install), and the bundle imports no package it does not declare.
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";

const root = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const builtins = new Set(builtinModules);

/** @param {{ name: string, version: string, dependencies: Record<string, string> }} manifest */
export function checkRelease(manifest) {
  if (manifest.version !== root.version) throw new Error(`${manifest.name} ${manifest.version} differs from the mesh's version ${root.version} (package.json)`);
  for (const [name, version] of Object.entries(manifest.dependencies)) {
    if (root.dependencies[name] !== version) throw new Error(`${manifest.name}: dependency ${name}@${version} differs from the repository's ${root.dependencies[name]}`);
  }
}

/**
 * An undeclared import would fail in the user's build or on start, not here.
 * @param {import("esbuild").Metafile} metafile @param {{ name: string, dependencies: Record<string, string> }} manifest
 */
export function checkBundleImports(metafile, manifest) {
  for (const [file, output] of Object.entries(metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (!external || /^(node|cloudflare):/.test(path) || builtins.has(path)) continue;
      const name = path.startsWith("@") ? path.split("/").slice(0, 2).join("/") : path.split("/")[0];
      if (!(name in manifest.dependencies)) throw new Error(`${manifest.name}: ${file} imports ${path}, which is not in its package.json's dependencies`);
    }
  }
}
