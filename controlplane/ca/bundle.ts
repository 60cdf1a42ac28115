// The SPIFFE trust bundle the CA publishes (also served as the JWKS): every root and JWT
// key still trusted, retiring ones included, and the revoked SPIFFE IDs.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import type { SpiffeBundleDocument } from "../../identity/trust-bundle";
import type { CaStore } from "./store";

x509.cryptoProvider.set(crypto);

/** The bundle document, rebuilt only when the store's bundle sequence moves. */
export class TrustBundle {
  private document: SpiffeBundleDocument | null = null;

  constructor(
    private readonly store: CaStore,
    private readonly refreshHintSeconds: number,
  ) {}

  async current(trustDomain: string): Promise<SpiffeBundleDocument> {
    const sequence = this.store.sequence();
    if (this.document?.spiffe_sequence !== sequence) this.document = await buildBundle(this.store, sequence, trustDomain, this.refreshHintSeconds);
    return this.document;
  }
}

/** x509-svid roots (public key and certificate), jwt-svid keys, sequence, refresh hint, revoked IDs. */
export async function buildBundle(store: CaStore, sequence: number, trustDomain: string, refreshHintSeconds: number): Promise<SpiffeBundleDocument> {
  const keys: SpiffeBundleDocument["keys"] = [];
  for (const row of store.authorities().filter((a) => a.role === "root")) {
    const cert = new x509.X509Certificate(row.cert_pem);
    const jwk = (await crypto.subtle.exportKey("jwk", await cert.publicKey.export())) as JsonWebKey;
    keys.push({ ...publicMembers(jwk), use: "x509-svid", x5c: [base64(cert.rawData)] });
  }
  for (const row of store.jwtKeys()) keys.push({ ...JSON.parse(row.public_jwk), use: "jwt-svid", kid: row.kid });
  return { keys, spiffe_sequence: sequence, spiffe_refresh_hint: refreshHintSeconds, trust_domain: trustDomain, revoked: store.revoked() };
}

function publicMembers(jwk: JsonWebKey): { kty: string; crv?: string; x?: string; y?: string; n?: string; e?: string } {
  const { kty, crv, x, y, n, e } = jwk;
  return { kty: kty!, ...(crv ? { crv, x, y } : { n, e }) };
}

function base64(data: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(data)));
}
