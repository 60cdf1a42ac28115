// The injected entry imports withMesh from the mesh's package, so the project must depend
// on it: injection adds it to package.json (as npm would write it) unless it is there.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InjectionRefusedError } from "./errors.js";

const SECTIONS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];

/**
 * The text of `project`'s package.json with `name@version` in its dependencies: null when
 * it already depends on `name` (any section, any version: a user's tarball or range stays),
 * `missing` when there is no package.json to add it to.
 * @param {string} project @param {string} name @param {string} version
 * @returns {Promise<{ path: string, before: string, after: string } | { missing: true } | null>}
 */
export async function meshDependency(project, name, version) {
  const path = join(project, "package.json");
  const before = await readFile(path, "utf8").catch((/** @type {NodeJS.ErrnoException} */ error) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (before === null) return { missing: true };
  /** @type {Record<string, any>} */
  let manifest;
  try {
    manifest = JSON.parse(before);
  } catch (error) {
    throw new InjectionRefusedError(`${path} cannot be parsed: ${/** @type {Error} */ (error).message}`);
  }
  if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest)) throw new InjectionRefusedError(`${path} is not a JSON object`);
  if (SECTIONS.some((section) => manifest[section]?.[name] !== undefined)) return null;
  const dependencies = { ...manifest.dependencies, [name]: version };
  manifest.dependencies = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b, "en")));
  const indent = /^[ \t]+(?=")/m.exec(before)?.[0] ?? "  ";
  return { path, before, after: `${JSON.stringify(manifest, null, indent)}\n` };
}
