// First-run setup of a local mesh through its own control API, the way a user would do it:
// workload identities for the demo, then the default Bookinfo configuration. Safe to run
// on every start: what already exists is left alone.
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { repoRoot } from "./build.mjs";
import { DEFAULT_CONFIG_FILES, DEMO_IDENTITIES } from "./topology.mjs";

/** Raised when the control plane refuses a bootstrap step. */
export class BootstrapError extends Error {
  code = "bootstrap_failed";
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "BootstrapError";
  }
}

/** Join tokens of the demo identities (shown once by the CA, so kept here, mode 0600). */
const JOIN_TOKENS = "join-tokens.json";

/**
 * A request to the control API with the admin token.
 * @typedef {(path: string, init?: { method?: string, headers?: Record<string, string>, body?: string }) => Promise<Response>} ControlApi
 */

/**
 * Bootstrap the mesh at `controlUrl`. Returns notes for the user about what was done.
 * @param {{ controlUrl: string, adminToken: string, stateDir: string, timeoutMs?: number }} options
 * @returns {Promise<{ notes: string[] }>}
 */
export async function bootstrapMesh({ controlUrl, adminToken, stateDir, timeoutMs = 60_000 }) {
  /** @type {ControlApi} */
  const api = (path, init = {}) =>
    fetch(new URL(path, controlUrl), {
      ...init,
      headers: { authorization: `Bearer ${adminToken}`, ...init.headers },
    });
  await waitFor(() => api("/healthz").then((r) => r.ok, () => false), timeoutMs, "control plane /healthz");
  // Identities need the CA; the configuration needs neither, so it goes in meanwhile.
  const identity = bootstrapCa(api).then(async (ca) => [ca, await createIdentities(api, stateDir)]);
  const [[ca, identities], defaults] = await Promise.all([identity, applyDefaults(api)]);
  return { notes: [ca, identities, defaults] };
}

/** @param {ControlApi} api */
async function bootstrapCa(api) {
  const res = await api("/v1/ca/bootstrap", { method: "POST" });
  const body = await res.json().catch(() => ({}));
  if (res.status === 201) return "bootstrapped the CA (new root and JWT signing key)";
  if (res.status === 200) return "CA already bootstrapped";
  throw new BootstrapError(`POST /v1/ca/bootstrap: ${res.status} ${JSON.stringify(body)}`);
}

// Every start asks the CA (409 = exists), so a fresh store always gets its identities; the
// join tokens it shows once are kept in the state directory for `isthmus cert sign` demos.
/** @param {ControlApi} api @param {string} stateDir */
async function createIdentities(api, stateDir) {
  const path = join(stateDir, JOIN_TOKENS);
  const tokens = JSON.parse(await readFile(path, "utf8").catch(() => "{}"));
  const answers = await Promise.all(
    DEMO_IDENTITIES.map(async (identity) => {
      const res = await api("/v1/identities", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(identity),
      });
      if (res.status === 409) return void (await res.body?.cancel());
      const body = await res.json().catch(() => ({}));
      const key = `${identity.namespace}/${identity.serviceAccount}`;
      if (!res.ok) throw new BootstrapError(`POST /v1/identities ${key}: ${res.status} ${JSON.stringify(body)}`);
      return /** @type {const} */ ([key, { spiffeId: body.spiffeId, joinToken: body.joinToken }]);
    }),
  );
  const fresh = answers.filter((answer) => answer !== undefined);
  for (const [key, token] of fresh) tokens[key] = token;
  const created = fresh.length;
  if (created) await writeFile(path, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  return created
    ? `created ${created} workload identities (join tokens in ${path})`
    : `workload identities present (${DEMO_IDENTITIES.length})`;
}

// The defaults go into an empty store only: once anything was ever applied (a revision
// exists), the mesh keeps what the user made of it, across restarts.
/** @param {ControlApi} api */
async function applyDefaults(api) {
  const history = await api("/v1/revisions?limit=1");
  const revisions = await history.json().catch(() => ({}));
  if (!history.ok) throw new BootstrapError(`GET /v1/revisions: ${history.status} ${JSON.stringify(revisions)}`);
  if (revisions.items?.length) return `configuration kept from the previous run (revision ${revisions.items[0].number})`;
  const documents = [];
  for (const file of DEFAULT_CONFIG_FILES) documents.push(await readFile(resolve(repoRoot, file), "utf8"));
  const res = await api("/v1/apply", {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: documents.join("\n---\n"),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new BootstrapError(`POST /v1/apply (defaults): ${res.status} ${JSON.stringify(body)}`);
  return `applied the default configuration (${DEFAULT_CONFIG_FILES.join(", ")})`;
}

/**
 * Poll `check` (every `intervalMs`) until it is true or `timeoutMs` passes.
 * @param {() => boolean | Promise<boolean>} check @param {number} timeoutMs @param {string} what
 */
export async function waitFor(check, timeoutMs, what, intervalMs = 25) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new BootstrapError(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
