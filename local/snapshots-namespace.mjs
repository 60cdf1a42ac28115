// The ISTHMUS_SNAPSHOTS KV namespace must be one namespace for the whole mesh: the control
// plane writes last-known-good there and cold data-plane isolates read it. A binding without
// an id would make wrangler provision a namespace per Worker (`<worker>-isthmus-snapshots`),
// so cold isolates would find nothing. `npm run deploy -- --snapshots-kv ID` writes one id
// into every config that binds it, as text (comments and layout kept).
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parse } from "smol-toml";
import { repoRoot } from "./build.mjs";
import { ALL_CONFIGS } from "./topology.mjs";

/** The binding the control plane writes and data planes read last-known-good through. */
export const SNAPSHOTS_BINDING = "ISTHMUS_SNAPSHOTS";

/** Raised for an id that is not a KV namespace id. */
export class SnapshotsNamespaceError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "SnapshotsNamespaceError";
    this.code = "invalid_namespace_id";
  }
}

/**
 * The ISTHMUS_SNAPSHOTS namespace id of each Worker config that binds it (top level, or
 * `[env.NAME]`'s); `id` is undefined where the binding has none.
 * @param {{ env?: string, root?: string }} [options]
 * @returns {Promise<{ config: string, id: string | undefined }[]>}
 */
export async function snapshotsNamespaces({ env, root = repoRoot } = {}) {
  const found = [];
  for (const config of ALL_CONFIGS) {
    /** @type {Record<string, any>} */
    const raw = parse(await readFile(resolve(root, config), "utf8"));
    const section = env ? raw.env?.[env] : raw;
    /** @type {{ binding: string, id?: string }[]} */
    const namespaces = section?.kv_namespaces ?? [];
    const binding = namespaces.find((entry) => entry.binding === SNAPSHOTS_BINDING);
    if (binding) found.push({ config, id: binding.id });
  }
  return found;
}

/**
 * Sets `id` on the ISTHMUS_SNAPSHOTS binding of every config that has one (top level, or
 * `[env.NAME]`'s); answers the configs it changed (none when all already had it).
 * @param {string} id
 * @param {{ env?: string, root?: string }} [options]
 * @returns {Promise<string[]>}
 */
export async function writeSnapshotsNamespace(id, { env, root = repoRoot } = {}) {
  if (!/^[0-9a-f]{32}$/.test(id)) {
    throw new SnapshotsNamespaceError(`--snapshots-kv must be a KV namespace id (32 hex digits, as npx wrangler kv namespace create prints), not ${JSON.stringify(id)}`);
  }
  const changed = [];
  for (const config of ALL_CONFIGS) {
    const path = resolve(root, config);
    const before = await readFile(path, "utf8");
    const after = withNamespaceId(before, id, env);
    if (after === before) continue;
    await writeFile(path, after);
    changed.push(config);
  }
  return changed;
}

/**
 * `text` with `id = "ID"` in the ISTHMUS_SNAPSHOTS `[[kv_namespaces]]` block (or
 * `[[env.NAME.kv_namespaces]]`): an existing id line replaced, else one added after the binding.
 * @param {string} text @param {string} id @param {string} [env]
 */
export function withNamespaceId(text, id, env) {
  const header = env ? `[[env.${env}.kv_namespaces]]` : "[[kv_namespaces]]";
  const lines = text.split("\n");
  for (let start = 0; start < lines.length; start++) {
    if (lines[start]?.trim() !== header) continue;
    let end = start + 1;
    while (end < lines.length && !lines[end]?.trim().startsWith("[")) end++;
    const block = lines.slice(start + 1, end);
    const bindingAt = block.findIndex((line) => /^\s*binding\s*=\s*"ISTHMUS_SNAPSHOTS"\s*(#.*)?$/.test(line));
    if (bindingAt < 0) continue;
    const idAt = block.findIndex((line) => /^\s*id\s*=/.test(line));
    if (idAt >= 0) lines[start + 1 + idAt] = `id = "${id}"`;
    else lines.splice(start + 2 + bindingAt, 0, `id = "${id}"`);
  }
  return lines.join("\n");
}

/**
 * Why these bindings would not share one namespace on Cloudflare, or undefined when they do.
 * @param {{ config: string, id: string | undefined }[]} namespaces
 * @param {string} [env]
 */
export function unsharedSnapshots(namespaces, env) {
  const missing = namespaces.filter((entry) => !entry.id).map((entry) => entry.config);
  const ids = new Set(namespaces.flatMap((entry) => (entry.id ? [entry.id] : [])));
  const fix = `create one with npx wrangler kv namespace create isthmus-snapshots${env ? `-${env}` : ""} and run npm run deploy -- --snapshots-kv ID${env ? ` --env ${env}` : ""}`;
  if (missing.length) return `${SNAPSHOTS_BINDING} has no namespace id in ${missing.join(", ")}: wrangler would provision a namespace per Worker and cold isolates would find no last-known-good snapshot; ${fix}`;
  if (ids.size > 1) return `${SNAPSHOTS_BINDING} names different namespaces (${[...ids].join(", ")}); the control plane and every data plane must share one: ${fix}`;
  return undefined;
}
