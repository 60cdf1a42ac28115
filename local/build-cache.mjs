// A content-hash cache for build outputs: an output is reused while its key (how it is
// built) and the contents of every input it was built from are unchanged. The inputs are
// whatever the previous build reported reading, so only outputs that read a changed file
// are built again. A file whose size and modification time are those recorded when it was
// hashed is taken as unchanged without reading it again (as git's index does): a start
// then reads only the records, not the ~1,000 files behind the bundles. A file modified
// shortly before it was hashed (a fresh output, a file just saved) is recorded so only by a
// later check, once it has settled: a second edit within a coarse timestamp's tick would
// keep both size and time.
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

const SETTLED_MS = 2_000;

/**
 * A file's size and modification time, or null when it is not a file.
 * @param {string} path @returns {Promise<{ version: string, settled: boolean } | null>}
 */
async function fileVersion(path) {
  const stats = await stat(path).catch(() => null);
  return stats?.isFile() ? { version: `${stats.size}:${stats.mtimeMs}`, settled: Date.now() - stats.mtimeMs > SETTLED_MS } : null;
}

// Workers share most of their inputs: each file is read and hashed once per process while
// its size and modification time stay the same.
/** @type {Map<string, { version: string, hash: Promise<string | null> }>} */
const hashes = new Map();
/**
 * The file's hash (null when it is not a file) and, if it had settled, the version read.
 * @param {string} path @returns {Promise<{ hash: string | null, version?: string }>}
 */
async function fileHash(path) {
  const found = await fileVersion(path);
  if (!found) return { hash: null };
  const { version, settled } = found;
  let known = hashes.get(path);
  if (known?.version !== version) {
    known = { version, hash: readFile(path).then(contentHash, () => null) };
    hashes.set(path, known);
  }
  return { hash: await known.hash, version: settled ? version : undefined };
}

/**
 * Whether `path` still has the contents hashed to `hash` (read only when its version is not
 * the `recorded` one), with its settled version.
 * @param {string} path @param {string | null} hash @param {string | undefined} recorded
 * @returns {Promise<{ same: boolean, version?: string }>}
 */
async function compare(path, hash, recorded) {
  if (recorded !== undefined && (await fileVersion(path))?.version === recorded) return { same: true, version: recorded };
  const now = await fileHash(path);
  return { same: now.hash === hash, version: now.version };
}

/**
 * The record kept beside an output: how it was built (`key`) and from what (`inputs`: path
 * to hash), its `output` hash and the settled `versions` (path to size:mtime) of both.
 * @typedef {{ key: string, output: string, inputs: Record<string, string | null>, versions?: Record<string, string> }} Manifest
 */
const manifestPath = (/** @type {string} */ outfile) => `${outfile}.inputs.json`;

/** @param {string} outfile @param {Manifest} manifest @param {number} mode */
function writeManifest(outfile, manifest, mode) {
  return writeAtomically(manifestPath(outfile), `${JSON.stringify(manifest, null, 1)}\n`, mode);
}

/** @param {string} outfile @param {string} key @param {number} mode */
async function upToDate(outfile, key, mode) {
  /** @type {Manifest | null} */
  const manifest = await readFile(manifestPath(outfile), "utf8").then(JSON.parse, () => null);
  if (manifest?.key !== key) return false;
  const versions = manifest.versions ?? {};
  const files = [[outfile, manifest.output], ...Object.entries(manifest.inputs ?? {})];
  const found = await Promise.all(files.map(([path, hash]) => compare(path, hash, versions[path])));
  if (!found.every(({ same }) => same)) return false;
  // Files that settled (or were only touched) since they were recorded: later checks skip reading them.
  if (found.some(({ version }, i) => version !== versions[files[i][0]])) {
    const settled = files.flatMap(([path], i) => (found[i].version ? [[path, found[i].version]] : []));
    // Only a shortcut for later checks: a record that cannot be written now changes nothing.
    await writeManifest(outfile, { ...manifest, versions: Object.fromEntries(settled) }, mode).catch(() => {});
  }
  return true;
}

// Written beside the target and renamed over it, so a crash mid-write never leaves a
// truncated file that a later start would take for a good one. One temporary file per write:
// two checks of one output may both record it.
let writes = 0;
/** @param {string} path @param {string | Uint8Array} contents @param {number} mode */
async function writeAtomically(path, contents, mode) {
  const temporary = `${path}.${process.pid}.${++writes}.tmp`;
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
  if (await upToDate(outfile, key, mode)) return { path: outfile, cached: true };
  const { contents, inputs } = await build();
  const inputHashes = await Promise.all(inputs.map(fileHash));
  await mkdir(dirname(outfile), { recursive: true });
  await writeAtomically(outfile, contents, mode);
  await writeManifest(outfile, {
    key,
    output: contentHash(contents),
    inputs: Object.fromEntries(inputs.map((path, i) => [path, inputHashes[i].hash])),
    // The output was just written: it has not settled, its next check reads it.
    versions: Object.fromEntries(inputs.flatMap((path, i) => (inputHashes[i].version ? [[path, inputHashes[i].version]] : []))),
  }, mode);
  return { path: outfile, cached: false };
}
