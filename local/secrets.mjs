// Secrets the local mesh needs before it starts: taken from the environment when given,
// else generated once and kept in the state directory (mode 0600), so every run of the
// same state directory sees the same values.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The secret in `stateDir/file`: `given` when set (not stored), else the stored one, else a
 * freshly generated one that is stored. `source` says which.
 * @param {string} stateDir
 * @param {string} file
 * @param {string | undefined} given
 * @param {() => string} generate
 * @returns {Promise<{ value: string, source: "env" | "stored" | "generated", path: string }>}
 */
export async function keptSecret(stateDir, file, given, generate) {
  const path = join(stateDir, file);
  if (given) return { value: given, source: "env", path };
  const stored = await readFile(path, "utf8").then((text) => text.trim(), () => "");
  if (stored) return { value: stored, source: "stored", path };
  const value = generate();
  await mkdir(stateDir, { recursive: true });
  await writeFile(path, `${value}\n`, { mode: 0o600 });
  return { value, source: "generated", path };
}

/** A new admin token: prefix for recognisability, 256 random bits. */
export function newAdminToken() {
  return `isthmus_${newSecret()}`;
}

/** 256 random bits, base64url. */
export function newSecret() {
  return randomBytes(32).toString("base64url");
}

/**
 * The control plane's required secrets, freshly generated in their formats, written to `path`
 * as JSON for `wrangler secret bulk` (mode 0600). Refuses to overwrite an existing file: a
 * second run must not silently replace the wrapping key the CA's keys are sealed under.
 * @param {string} path
 * @returns {Promise<Record<string, string>>}
 */
export async function writeDeploySecrets(path) {
  const secrets = { ISTHMUS_ADMIN_TOKEN: newAdminToken(), ISTHMUS_CA_WRAPPING_KEY: newSecret() };
  await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: "wx" }).catch((error) => {
    if (error?.code === "EEXIST") throw new Error(`${path} exists; secrets are generated once (remove it to start over, and keep the old ISTHMUS_CA_WRAPPING_KEY while the CA's keys are sealed under it)`);
    throw error;
  });
  return secrets;
}
