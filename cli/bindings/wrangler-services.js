// Adding `[[services]]` entries to a wrangler config as it is written: the new entries are
// inserted as text next to the existing ones, so comments, order and layout stay; the file
// is never re-serialised. TOML and JSON/JSONC.
import { parse as parseToml } from "smol-toml";
import { stripJsonComments } from "../inject/wrangler-config.js";

/** @typedef {{ binding: string, service: string }} ServiceEntry */

/**
 * The service bindings of a config: its top level's, or with `env` that environment's.
 * @param {string} text @param {"toml" | "json" | "jsonc"} format @param {string} [env] @returns {ServiceEntry[]}
 */
export function servicesOf(text, format, env) {
  const config = configOf(text, format);
  return (env ? config.env?.[env]?.services : config.services) ?? [];
}

/**
 * The parsed config.
 * @param {string} text @param {"toml" | "json" | "jsonc"} format @returns {Record<string, any>}
 */
export function configOf(text, format) {
  return format === "toml" ? parseToml(text) : JSON.parse(stripJsonComments(text));
}

/**
 * `text` with `entries` added to its top-level services (or with `env`, a TOML config's
 * `[[env.NAME.services]]`), those whose binding it lacks only (so a second run changes nothing).
 * @param {string} text @param {"toml" | "json" | "jsonc"} format @param {ServiceEntry[]} entries @param {string} [env]
 * @returns {{ text: string, added: ServiceEntry[] }}
 */
export function addServices(text, format, entries, env) {
  if (env && format !== "toml") throw new Error(`only a TOML config's [env.${env}] services can be edited; add them to "env.${env}.services" by hand`);
  const held = new Set(servicesOf(text, format, env).map((entry) => entry.binding));
  const added = entries.filter((entry, index) => !held.has(entry.binding) && entries.findIndex((e) => e.binding === entry.binding) === index);
  if (added.length === 0) return { text, added };
  const next = format === "toml" ? addToToml(text, added, env ? `env.${env}.services` : "services") : addToJson(text, added);
  // The edit must read back as exactly the old services plus the new ones.
  const after = servicesOf(next, format, env).map((entry) => entry.binding);
  if (after.length !== held.size + added.length || added.some((entry) => !after.includes(entry.binding))) {
    throw new Error("the services could not be added without changing the config's meaning");
  }
  return { text: next, added };
}

/** @param {string} text @param {ServiceEntry[]} entries @param {string} table `services` or `env.NAME.services` */
function addToToml(text, entries, table) {
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.split(/\r?\n/);
  const block = entries.flatMap((entry) => ["", `[[${table}]]`, `binding = ${JSON.stringify(entry.binding)}`, `service = ${JSON.stringify(entry.service)}`]);
  const isHeader = (/** @type {string} */ line) => /^\s*\[/.test(line);
  const header = new RegExp(`^\\s*\\[\\[\\s*${table.replaceAll(".", "\\s*\\.\\s*")}\\s*\\]\\]\\s*(#.*)?$`);
  const last = lines.findLastIndex((line) => header.test(line));
  let at;
  if (last >= 0) {
    // After the last key of the last top-level [[services]] table (its trailing comments belong to what follows).
    at = last;
    for (let i = last + 1; i < lines.length && !isHeader(lines[i]); i++) if (/^\s*[^\s#]/.test(lines[i])) at = i;
    at += 1;
  } else {
    // Before the first [env.*] table, or at the end: both are the top level for an absolute [[services]] header
    // (an environment's new table goes at the end).
    const env = table === "services" ? lines.findIndex((line) => /^\s*\[{1,2}\s*env\./.test(line)) : -1;
    at = env >= 0 ? env : lines.length;
    while (at > 0 && (lines[at - 1].trim() === "" || (env >= 0 && lines[at - 1].trim().startsWith("#")))) at--;
    if (at === lines.length) block.push("");
  }
  if (last < 0 && at < lines.length && lines[at].trim() !== "") block.push("");
  lines.splice(at, 0, ...block);
  return lines.join(newline);
}

/**
 * Comments and strings blanked out (same length), so structure can be scanned by position.
 * @param {string} text
 */
function structure(text) {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      out += '"' + " ".repeat(Math.max(0, i - start - 1)) + (i < text.length ? '"' : "");
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? text.length : end;
      out += " ".repeat(stop - i);
      i = stop - 1;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop - 1;
    } else out += c;
  }
  return out;
}

/** @param {string} text @param {ServiceEntry[]} entries */
function addToJson(text, entries) {
  const masked = structure(text);
  const open = masked.indexOf("{");
  const close = masked.lastIndexOf("}");
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? "  ";
  // The top-level "services" key: a key at depth 1 (masked strings keep their quotes, so compare the real text).
  let depth = 0;
  let servicesAt = -1;
  for (let i = open; i <= close; i++) {
    const c = masked[i];
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (c === '"' && depth === 1) {
      const end = masked.indexOf('"', i + 1);
      const after = masked.slice(end + 1).match(/^\s*:/);
      if (after && text.slice(i, end + 1) === '"services"') {
        servicesAt = end + 1 + after[0].length;
        break;
      }
      i = end;
    }
  }
  const item = (/** @type {ServiceEntry} */ e, /** @type {string} */ pad) => `${pad}{ "binding": ${JSON.stringify(e.binding)}, "service": ${JSON.stringify(e.service)} }`;
  if (servicesAt >= 0) {
    const start = masked.indexOf("[", servicesAt);
    let level = 0;
    let end = start;
    for (; end < masked.length; end++) {
      if (masked[end] === "[" || masked[end] === "{") level++;
      else if ((masked[end] === "]" || masked[end] === "}") && --level === 0) break;
    }
    const inside = masked.slice(start + 1, end);
    const lastSolid = inside.search(/\S\s*$/);
    const pad = /\n([ \t]+)\{/.exec(text.slice(start, end))?.[1] ?? indent + indent;
    const body = entries.map((e) => item(e, pad)).join(",\n");
    if (lastSolid < 0) return `${text.slice(0, start + 1)}\n${body}\n${indent}${text.slice(end)}`;
    const cut = start + 1 + lastSolid + 1;
    const comma = inside[lastSolid] === "," ? "" : ",";
    return `${text.slice(0, cut)}${comma}\n${body}${comma === "" ? "," : ""}${text.slice(cut)}`;
  }
  const inside = masked.slice(open + 1, close);
  const lastSolid = inside.search(/\S\s*$/);
  const member = `${indent}"services": [\n${entries.map((e) => item(e, indent + indent)).join(",\n")}\n${indent}]`;
  if (lastSolid < 0) return `${text.slice(0, open + 1)}\n${member}\n${text.slice(close)}`;
  const cut = open + 1 + lastSolid + 1;
  const trailing = inside[lastSolid] === ",";
  return `${text.slice(0, cut)}${trailing ? "" : ","}\n${member}${trailing ? "," : ""}${text.slice(cut)}`;
}
