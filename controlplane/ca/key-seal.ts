// Sealing and opening the CA's private keys under the wrapping key. Without the operator's
// secret a generated one is kept beside the keys (development only: /v1/ca reports it).
import { base64urlEncode } from "../../identity/base64url";
import type { CaKeyAlgorithm } from "./authority";
import { CaError } from "./errors";
import { deriveWrappingKey, KeyUnwrapError, openPrivateKey, sealPrivateKey } from "./key-wrap";
import type { CaStore } from "./store";

const DEV_SECRET_KEY = "dev_wrapping_secret";

/** The wrapping key of one CA object, derived once on first use. */
export class KeySeal {
  private wrapping: Promise<CryptoKey> | null = null;

  constructor(
    private readonly store: CaStore,
    private readonly secret: string | undefined,
  ) {}

  /** Seals an extractable private key for storage under `label` (bound into the ciphertext). */
  async seal(key: CryptoKey, label: string): Promise<string> {
    return sealPrivateKey(await this.wrappingKey(), key, label);
  }

  /** Opens a stored key as a non-extractable signing key; a 503 CaError if it cannot be. */
  async open(sealed: string, label: string, algorithm: CaKeyAlgorithm): Promise<CryptoKey> {
    try {
      return await openPrivateKey(await this.wrappingKey(), sealed, label, algorithm);
    } catch (err) {
      if (err instanceof KeyUnwrapError) {
        throw new CaError(503, err.code, `${err.message}. Restore the previous ISTHMUS_CA_WRAPPING_KEY, or POST /v1/ca/rotate {"what":"jwt"} and {"what":"root"} to make new keys under the current one`);
      }
      throw err;
    }
  }

  private wrappingKey(): Promise<CryptoKey> {
    if (!this.wrapping) {
      let secret = this.secret;
      if (!secret) {
        secret = this.store.meta(DEV_SECRET_KEY) ?? base64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
        this.store.setMeta(DEV_SECRET_KEY, secret);
      }
      this.wrapping = deriveWrappingKey(secret);
    }
    return this.wrapping;
  }
}
