// What `npm run deploy` checks before it deploys: the gateway's wrangler config binds every
// worker:// endpoint of the default config (the same rule the local mesh follows), so any
// Bookinfo service exposed through a Gateway-bound route answers on Cloudflare too. Missing
// entries are added as text by `isthmus bindings`' own editor (--write-bindings).
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parse } from "smol-toml";
import { addServices } from "../cli/bindings/wrangler-services.js";
import { repoRoot } from "./build.mjs";
import { endpointBindings, workerEndpoints } from "./gateway-endpoints.mjs";
import { ALL_CONFIGS, DEFAULT_CONFIG_FILES, GATEWAY_CONFIG } from "./topology.mjs";

/**
 * The `[[services]]` entries the gateway's config lacks (top level, or `[env.NAME]`'s).
 * @param {{ env?: string }} [options]
 * @returns {Promise<{ binding: string, service: string }[]>}
 */
export async function gatewayBindingGaps({ env } = {}) {
  const workers = [];
  /** @type {string[]} */
  let held = [];
  for (const config of ALL_CONFIGS) {
    /** @type {Record<string, any>} */
    const raw = parse(await readFile(resolve(repoRoot, config), "utf8"));
    const section = env ? raw.env?.[env] ?? {} : raw;
    /** @type {{ binding: string, service: string, entrypoint?: string }[]} */
    const services = section.services ?? [];
    const name = section.name ?? (env ? `${raw.name}-${env}` : raw.name);
    workers.push({ name, options: { serviceBindings: Object.fromEntries(services.map((s) => [s.binding, { name: s.service, entrypoint: s.entrypoint }])) } });
    if (config === GATEWAY_CONFIG) held = services.map((s) => s.binding);
  }
  const wanted = endpointBindings(await workerEndpoints(DEFAULT_CONFIG_FILES), workers);
  return Object.entries(wanted)
    .filter(([binding]) => !held.includes(binding))
    .map(([binding, service]) => ({ binding, service }));
}

/**
 * Adds `entries` to the gateway's config, top level or `[env.NAME]`, as text; answers what was added.
 * @param {{ binding: string, service: string }[]} entries
 * @param {{ env?: string, path?: string }} [options]
 */
export async function writeGatewayBindings(entries, { env, path = resolve(repoRoot, GATEWAY_CONFIG) } = {}) {
  const before = await readFile(path, "utf8");
  const { text, added } = addServices(before, "toml", entries, env);
  if (text !== before) await writeFile(path, text);
  return added;
}
