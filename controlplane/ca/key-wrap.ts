// CA private keys at rest: PKCS#8 sealed with AES-256-GCM under a key derived (HKDF-SHA-256)
// from the ISTHMUS_CA_WRAPPING_KEY secret. The key's label is the GCM additional data, so
// a sealed blob cannot be swapped onto another key's row.
import { base64urlDecode, base64urlEncode } from "../../identity/base64url";

const HKDF_SALT = new TextEncoder().encode("isthmus-ca-key-wrap");
const HKDF_INFO = new TextEncoder().encode("AES-256-GCM v1");

/** Raised when a sealed key cannot be opened: wrong wrapping secret or tampered storage. */
export class KeyUnwrapError extends Error {
  readonly code = "ca_key_unwrap_failed";
  constructor(label: string) {
    super(`CA key ${label} cannot be decrypted: the wrapping key changed or the stored key was altered`);
    this.name = "KeyUnwrapError";
  }
}

/** Derives the AES-GCM wrapping key from the operator's secret (any length, high entropy). */
export async function deriveWrappingKey(secret: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: HKDF_INFO },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** Seals an extractable private key; returns `v1.<iv>.<ciphertext>` (base64url). */
export async function sealPrivateKey(wrappingKey: CryptoKey, key: CryptoKey, label: string): Promise<string> {
  const pkcs8 = (await crypto.subtle.exportKey("pkcs8", key)) as ArrayBuffer;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(label) },
    wrappingKey,
    pkcs8,
  );
  return `v1.${base64urlEncode(iv)}.${base64urlEncode(sealed)}`;
}

/** Opens a sealed key as a non-extractable signing key. */
export async function openPrivateKey(
  wrappingKey: CryptoKey,
  sealed: string,
  label: string,
  algorithm: { name: string; namedCurve?: string; hash?: string },
): Promise<CryptoKey> {
  const [version, ivText, dataText] = sealed.split(".");
  const iv = base64urlDecode(ivText ?? "");
  const data = base64urlDecode(dataText ?? "");
  if (version !== "v1" || !iv || !data) throw new KeyUnwrapError(label);
  let pkcs8: ArrayBuffer;
  try {
    pkcs8 = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(label) },
      wrappingKey,
      data,
    );
  } catch {
    throw new KeyUnwrapError(label);
  }
  return crypto.subtle.importKey("pkcs8", pkcs8, algorithm, false, ["sign"]);
}
