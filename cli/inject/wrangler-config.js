// Reading and writing a Worker project's wrangler configuration (TOML, JSON or JSONC).
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { InjectionRefusedError } from "./errors.js";

/** @typedef {"toml" | "json" | "jsonc"} ConfigFormat */
/** @typedef {{ path: string, file: string, format: ConfigFormat, config: Record<string, any> }} WranglerConfig */

/** In wrangler's order of preference. */
const FILES = /** @type {const} */ ([
  ["wrangler.json", "json"],
  ["wrangler.jsonc", "jsonc"],
  ["wrangler.toml", "toml"],
]);

/**
 * Find and parse the project's wrangler configuration.
 * @param {string} dir @returns {Promise<WranglerConfig>}
 */
export async function readWranglerConfig(dir) {
  for (const [file, format] of FILES) {
    const path = join(dir, file);
    try {
      await access(path);
    } catch {
      continue;
    }
    const text = await readFile(path, "utf8");
    return { path, file, format, config: parseConfig(text, format, file) };
  }
  throw new InjectionRefusedError(`no wrangler.toml, wrangler.json or wrangler.jsonc in ${dir}: not a Worker project`);
}

/** @param {string} text @param {ConfigFormat} format @param {string} file */
function parseConfig(text, format, file) {
  try {
    const config = format === "toml" ? parseToml(text) : JSON.parse(stripJsonComments(text));
    if (!config || typeof config !== "object" || Array.isArray(config)) throw new Error("the top level is not a table/object");
    return /** @type {Record<string, any>} */ (config);
  } catch (error) {
    const e = /** @type {any} */ (error);
    const where = e.line ? `:${e.line}${e.column ? `:${e.column}` : ""}` : "";
    throw new InjectionRefusedError(`${file}${where} cannot be parsed: ${String(e.message).split("\n")[0]}`);
  }
}

/**
 * Serialise a config in `format`, with `comment` lines above it (JSON output is written as
 * JSONC, which wrangler reads, so it can carry the comment too).
 * @param {Record<string, any>} config @param {ConfigFormat} format @param {string[]} comment
 */
export function formatWranglerConfig(config, format, comment) {
  if (format === "toml") return `${comment.map((l) => `# ${l}`.trimEnd()).join("\n")}\n${stringifyToml(config)}\n`;
  return `${comment.map((l) => `// ${l}`.trimEnd()).join("\n")}\n${JSON.stringify(config, null, 2)}\n`;
}

/**
 * JSONC to JSON: drops // and /* comments and trailing commas outside strings.
 * @param {string} text
 */
export function stripJsonComments(text) {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      out += text.slice(start, i + 1);
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      // Keep line breaks so JSON.parse positions still point at the right line.
      out += text.slice(i, end === -1 ? text.length : end + 2).replace(/[^\n]/g, " ");
      i = end === -1 ? text.length : end + 1;
    } else if (c === ",") {
      // A trailing comma: the next thing that is not blank or a comment closes the list.
      const rest = text.slice(i + 1).replace(/^(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/, "");
      if (rest[0] !== "}" && rest[0] !== "]") out += c;
    } else out += c;
  }
  return out;
}
