// TLS credentials of the local gateway, by the name a Gateway's `credentialName` (or a
// Gateway API certificateRef) gives them: what a Kubernetes Secret holds for Istio's
// ingress (`tls.crt`, `tls.key`, `ca.crt`), kept in the state directory, mode 0600.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The name rule of resources/gateway-tls.ts (a Kubernetes Secret name, also a safe file name). */
const CREDENTIAL_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** A credential refused: `field` names the part at fault. */
export class CredentialError extends Error {
  code = "invalid_credential";
  /** @param {string} field @param {string} message */
  constructor(field, message) {
    super(`${field}: ${message}`);
    this.name = "CredentialError";
    this.field = field;
  }
}

/**
 * @typedef {object} Credential
 * @property {string} cert  PEM chain, leaf first
 * @property {string} key  PEM private key of the leaf
 * @property {string} [ca]  PEM CA certificates that verify client certificates (MUTUAL)
 */

const directory = (/** @type {string} */ stateDir, /** @type {string} */ name) => join(stateDir, "credentials", name);

/**
 * Checks a credential and keeps it under `name`, replacing one of that name. Nothing is
 * written when any part is refused.
 * @param {string} stateDir @param {string} name @param {Credential} credential
 */
export async function setCredential(stateDir, name, credential) {
  if (!CREDENTIAL_NAME.test(name)) throw new CredentialError("name", "must be a lower-case DNS name (a Kubernetes Secret name): letters, digits, '-' and '.'");
  const leaf = certificate("cert", credential.cert);
  let key;
  try {
    key = createPrivateKey(credential.key);
  } catch (error) {
    throw new CredentialError("key", `is not a PEM private key (${/** @type {Error} */ (error).message})`);
  }
  if (!leaf.checkPrivateKey(key)) throw new CredentialError("key", "does not belong to the certificate");
  if (credential.ca !== undefined) certificate("ca", credential.ca);
  const dir = directory(stateDir, name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, "tls.crt"), credential.cert, { mode: 0o600 });
  await writeFile(join(dir, "tls.key"), credential.key, { mode: 0o600 });
  await writeFile(join(dir, "ca.crt"), credential.ca ?? "", { mode: 0o600 });
  return { name, subject: leaf.subject.replace(/\n/g, ", "), notAfter: new Date(leaf.validTo).toISOString(), withCa: credential.ca !== undefined };
}

/**
 * The credential kept under `name`, or undefined when there is none.
 * @param {string} stateDir @param {string} name
 * @returns {Promise<Credential | undefined>}
 */
export async function readCredential(stateDir, name) {
  if (!CREDENTIAL_NAME.test(name)) return undefined;
  const dir = directory(stateDir, name);
  try {
    const read = (/** @type {string} */ file) => readFile(join(dir, file), "utf8");
    const [cert, key, ca] = await Promise.all([read("tls.crt"), read("tls.key"), read("ca.crt")]);
    return { cert, key, ca: ca || undefined };
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === "ENOENT") return undefined;
    throw error;
  }
}

/** @param {string} field @param {unknown} pem */
function certificate(field, pem) {
  if (typeof pem !== "string" || !pem.includes("-----BEGIN CERTIFICATE-----")) throw new CredentialError(field, "is not a PEM certificate");
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new CredentialError(field, `is not a PEM certificate (${/** @type {Error} */ (error).message})`);
  }
}
