// Where the CLI sends requests and with which token: flags, then environment, then the
// config file's context, then the local mesh's defaults (DESIGN.md "The local mesh").
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import YAML from "yaml";
import { CliError, UsageError } from "./errors.js";

export const DEFAULT_SERVER = "http://127.0.0.1:8787";

/** @typedef {{ name: string, server?: string, token?: string }} Context */
/** @typedef {{ contexts: Context[], "current-context"?: string }} ConfigFile */

/** @param {Record<string, string | undefined>} env */
export function configPath(env) {
  if (env.ISTHMUS_CONFIG) return resolve(env.ISTHMUS_CONFIG);
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "isthmus", "config.yaml");
}

/**
 * Read the config file; a missing file is an empty config.
 * @param {string} path
 * @returns {Promise<ConfigFile>}
 */
export async function loadConfig(path) {
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === "ENOENT") return { contexts: [] };
    throw error;
  }
  let parsed;
  try {
    parsed = YAML.parse(text) ?? {};
  } catch (error) {
    throw new CliError(`config file ${path} is not valid YAML: ${/** @type {Error} */ (error).message}`);
  }
  const contexts = Array.isArray(parsed.contexts) ? parsed.contexts : [];
  for (const [i, c] of contexts.entries()) {
    if (!c || typeof c.name !== "string") throw new CliError(`config file ${path}: contexts[${i}] has no name`);
  }
  return { ...parsed, contexts };
}

/** @param {string} path @param {ConfigFile} config */
export async function saveConfig(path, config) {
  await mkdir(dirname(path), { recursive: true });
  // Tokens are credentials: owner-only, as kubectl does for kubeconfig.
  await writeFile(path, YAML.stringify(config), { mode: 0o600 });
  await chmod(path, 0o600);
}

/**
 * @param {{ server?: string, token?: string, context?: string }} flags
 * @param {Record<string, string | undefined>} env
 * @param {string} cwd
 * @returns {Promise<{ server: string, token: string | undefined, context: string | undefined }>}
 */
export async function resolveEndpoint(flags, env, cwd) {
  const config = await loadConfig(configPath(env));
  const contextName = flags.context ?? config["current-context"];
  const context = contextName ? config.contexts.find((c) => c.name === contextName) : undefined;
  if (flags.context && !context) throw new UsageError(`no context named "${flags.context}" in ${configPath(env)}`);

  const server = (flags.server ?? env.ISTHMUS_SERVER ?? context?.server ?? DEFAULT_SERVER).replace(/\/+$/, "");
  let token = flags.token ?? env.ISTHMUS_TOKEN ?? context?.token;
  // The local mesh's admin token is only ever sent to a server on this machine.
  if (token === undefined && isLoopback(server)) token = env.ISTHMUS_ADMIN_TOKEN ?? (await localAdminToken(env, cwd));
  return { server, token, context: context?.name };
}

/** @param {string} server */
function isLoopback(server) {
  try {
    const host = new URL(server).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  } catch {
    throw new UsageError(`--server "${server}" is not a URL`);
  }
}

/**
 * The token `npm start` keeps in its state directory: $ISTHMUS_STATE_DIR, else the nearest
 * `.isthmus/` from the working directory upward.
 * @param {Record<string, string | undefined>} env @param {string} cwd
 */
async function localAdminToken(env, cwd) {
  const candidates = [];
  if (env.ISTHMUS_STATE_DIR) candidates.push(join(resolve(cwd, env.ISTHMUS_STATE_DIR), "admin-token"));
  else for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    candidates.push(join(dir, ".isthmus", "admin-token"));
    if (dirname(dir) === dir) break;
  }
  for (const file of candidates) {
    try {
      const token = (await readFile(file, "utf8")).trim();
      if (token) return token;
    } catch {
      // not there: try the next directory up
    }
  }
  return undefined;
}
