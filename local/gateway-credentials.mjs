// The credentials the local gateway's TLS listener serves. Every connection asks for its
// host's credential, so they are read from disk only when their files change: a credential
// set again (`isthmus credential set`) is served from the first connection after, and a
// handshake otherwise costs three stat calls, not three file reads.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { readCredential } from "./credentials.mjs";

const FILES = ["tls.crt", "tls.key", "ca.crt"];

/**
 * A reader of the credentials kept under `stateDir`, each re-read when any of its files'
 * modification time or size changed.
 * @param {string} stateDir
 * @returns {(name: string) => Promise<(import("./credentials.mjs").Credential & { stamp: string }) | undefined>}
 */
export function gatewayCredentials(stateDir) {
  /** @type {Map<string, { stamp: string, credential: Promise<(import("./credentials.mjs").Credential & { stamp: string }) | undefined> }>} */
  const held = new Map();
  return async (name) => {
    // Stamped before reading: a credential read while it was being written is read again once the writes end.
    const stamp = await stampOf(stateDir, name);
    if (stamp === undefined) {
      held.delete(name);
      return undefined;
    }
    const hit = held.get(name);
    if (hit?.stamp === stamp) return hit.credential;
    const credential = readCredential(stateDir, name).then((c) => (c ? { ...c, stamp } : undefined));
    held.set(name, { stamp, credential });
    credential.catch(() => held.delete(name));
    return credential;
  };
}

/** Modification time and size of each of a credential's files; undefined when one is missing. @param {string} stateDir @param {string} name */
async function stampOf(stateDir, name) {
  try {
    const stats = await Promise.all(FILES.map((file) => stat(join(stateDir, "credentials", name, file))));
    return stats.map((s) => `${s.mtimeMs}:${s.size}`).join(",");
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === "ENOENT") return undefined;
    throw error;
  }
}
