// Reads resource documents from files, directories or stdin, keeping each document's
// YAML syntax tree so a server-side field path can be traced back to a source line.
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, relative, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from "yaml";
import { CliError, EXIT, UsageError } from "./errors.js";

const EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/**
 * @typedef {{
 *   source: string,          // file name as given (or "<stdin>")
 *   label: string,           // "document 2" or "document 1, item 3"
 *   value: any,              // the document as plain data
 *   node: import("yaml").Node | null,
 *   lineCounter: LineCounter,
 * }} SourceDocument
 */

export class MalformedInputError extends CliError {
  /** @param {string} message */
  constructor(message) {
    super(message, { code: "malformed_document", exitCode: EXIT.invalid });
    this.name = "MalformedInputError";
  }
}

/**
 * Read every document named by `-f` arguments: files, directories (recursively, .yaml
 * .yml .json, in name order) and `-` for standard input.
 * @param {string[]} paths @param {{ cwd: string, readStdin: () => Promise<string> }} io
 * @returns {Promise<SourceDocument[]>}
 */
export async function readSources(paths, io) {
  if (paths.length === 0) throw new UsageError("-f FILE|DIR|- is required");
  const docs = [];
  for (const path of paths) {
    if (path === "-") {
      docs.push(...parseSource(await io.readStdin(), "<stdin>"));
      continue;
    }
    const absolute = resolve(io.cwd, path);
    let info;
    try {
      info = await stat(absolute);
    } catch {
      throw new UsageError(`${path}: no such file or directory`);
    }
    const files = info.isDirectory() ? await walk(absolute) : [absolute];
    if (info.isDirectory() && files.length === 0) throw new UsageError(`${path}: no .yaml, .yml or .json files in this directory`);
    for (const file of files) {
      const shown = info.isDirectory() ? join(path, relative(absolute, file)) : path;
      docs.push(...parseSource(await readFile(file, "utf8"), shown));
    }
  }
  return docs;
}

/** @param {string} dir @returns {Promise<string[]>} */
async function walk(dir) {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(path);
  }
  return files;
}

/**
 * Parse YAML (multi-document) or JSON; a top-level array or `kind: List` expands to its
 * items. Empty documents are skipped.
 * @param {string} text @param {string} source
 * @returns {SourceDocument[]}
 */
export function parseSource(text, source) {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  if (!Array.isArray(parsed)) return []; // an empty stream
  const docs = [];
  for (const [i, doc] of parsed.entries()) {
    const problem = doc.errors[0];
    if (problem) {
      const { line, col } = lineCounter.linePos(problem.pos[0]);
      throw new MalformedInputError(`${source}:${line}:${col}: document ${i + 1} is not valid YAML or JSON: ${problem.message.split("\n")[0]}`);
    }
    const node = /** @type {import("yaml").Node | null} */ (doc.contents);
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    const label = `document ${i + 1}`;
    const items = listItems(value, node);
    if (items) {
      for (const [j, item] of items.entries()) docs.push({ source, label: `${label}, item ${j + 1}`, value: item.value, node: item.node, lineCounter });
    } else docs.push({ source, label, value, node, lineCounter });
  }
  return docs;
}

/** @param {any} value @param {import("yaml").Node | null} node */
function listItems(value, node) {
  if (Array.isArray(value) && isSeq(node)) return value.map((v, i) => ({ value: v, node: /** @type {any} */ (node.items[i]) }));
  if (value && typeof value === "object" && value.kind === "List" && Array.isArray(value.items) && isMap(node)) {
    const seq = node.get("items", true);
    return value.items.map((/** @type {any} */ v, /** @type {number} */ i) => ({ value: v, node: isSeq(seq) ? /** @type {any} */ (seq.items[i]) : null }));
  }
  return undefined;
}

/**
 * Split a field path (`spec.http[0].route[1].weight`, `metadata.labels["a.b/c"]`) into keys.
 * @param {string} path @returns {(string | number)[]}
 */
export function pathSegments(path) {
  const segments = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*"|'[^']*')\]/g;
  for (const m of path.matchAll(pattern)) {
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push(m[3].startsWith('"') ? JSON.parse(m[3]) : m[3].slice(1, -1));
  }
  return segments;
}

/**
 * The 1-based line of the deepest node along `path` in a document: the key's line when
 * the field exists, else the line of the nearest enclosing field that does.
 * @param {SourceDocument} doc @param {string} path
 * @returns {number | undefined}
 */
export function lineOf(doc, path) {
  let node = doc.node;
  if (!node?.range) return undefined;
  let offset = node.range[0];
  for (const segment of pathSegments(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      if (!pair) break;
      const key = /** @type {any} */ (pair.key);
      if (key?.range) offset = key.range[0];
      node = /** @type {any} */ (pair.value);
      if (!node?.range) break;
    } else if (isSeq(node) && typeof segment === "number" && node.items[segment]) {
      node = /** @type {any} */ (node.items[segment]);
      if (!node?.range) break;
      offset = node.range[0];
    } else break;
  }
  return doc.lineCounter.linePos(offset).line;
}

/**
 * Split a server path into the document index and the field path within it:
 * `documents[3].spec.http[0]` -> `{ index: 3, field: "spec.http[0]" }`.
 * @param {string} path
 */
export function splitDocumentPath(path) {
  const m = /^(?:documents|items)?\[(\d+)\]\.?(.*)$/.exec(path);
  return m ? { index: Number(m[1]), field: m[2] } : { index: undefined, field: path };
}
