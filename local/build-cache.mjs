// A content-hash cache for build outputs: an output is reused while its key (how it is
// built) and the contents of every input it was built from are unchanged. The inputs are
// whatever the previous build reported reading, so only outputs that read a changed file
// are built again.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * @typedef {object} BuildOutput
 * @property {string | Uint8Array} contents  what to write to the output file
 * @property {string[]} inputs  absolute paths of every file the output was built from
 */

/** SHA-256 (hex) of a string or bytes. @param {string | Uint8Array} data */
export function contentHash(data) {
  return createHash("sha256").update(data).digest("hex");
}

// Workers share most of their inputs: each file is read and hashed once per process while
// its size and modification time stay the same.
/** @type {Map<string, { version: string, hash: Promise<string | null> }>} */
const hashes = new Map();
/** @param {string} path */
async function fileHash(path) {
  const stats = await stat(path).catch(() => null);
  if (!stats?.isFile()) return null;
  const version = `${stats.size}:${stats.mtimeMs}`;
  const known = hashes.get(path);
  if (known?.version === version) return known.hash;
  const hash = readFile(path).then(contentHash, () => null);
  hashes.set(path, { version, hash });
  return hash;
}

/** The record kept beside an output: how it was built and from what. */
const manifestPath = (/** @type {string} */ outfile) => `${outfile}.inputs.json`;

/** @param {string} outfile @param {string} key */
async function upToDate(outfile, key) {
  const manifest = await readFile(manifestPath(outfile), "utf8").then(JSON.parse, () => null);
  if (manifest?.key !== key) return false;
  const inputs = Object.entries(manifest.inputs ?? {});
  const [output, ...hashes] = await Promise.all([fileHash(outfile), ...inputs.map(([path]) => fileHash(path))]);
  return output === manifest.output && inputs.every(([, hash], i) => hashes[i] === hash);
}

// Written beside the target and renamed over it, so a crash mid-write never leaves a
// truncated file that a later start would take for a good one.
/** @param {string} path @param {string | Uint8Array} contents @param {number} mode */
async function writeAtomically(path, contents, mode) {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, contents, { mode });
  await rename(temporary, path);
}

/**
 * Reuse `outfile` if it was built with `key` from inputs whose contents are unchanged;
 * otherwise run `build`, write its output and remember its inputs.
 * @param {{ outfile: string, key: string, build: () => Promise<BuildOutput>, mode?: number }} options
 *   mode: file mode of the output and its record (e.g. 0o600 when it may hold secrets)
 * @returns {Promise<{ path: string, cached: boolean }>}
 */
export async function cachedBuild({ outfile, key, build, mode = 0o644 }) {
  if (await upToDate(outfile, key)) return { path: outfile, cached: true };
  const { contents, inputs } = await build();
  const inputHashes = await Promise.all(inputs.map(fileHash));
  const manifest = {
    key,
    output: contentHash(contents),
    inputs: Object.fromEntries(inputs.map((path, i) => [path, inputHashes[i]])),
  };
  await mkdir(dirname(outfile), { recursive: true });
  await writeAtomically(outfile, contents, mode);
  await writeAtomically(manifestPath(outfile), `${JSON.stringify(manifest, null, 1)}\n`, mode);
  return { path: outfile, cached: false };
}
