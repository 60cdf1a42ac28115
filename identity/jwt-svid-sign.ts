// Signing side of JWT-SVIDs: the CA's issuer, and tests that need genuine tokens.
import { base64urlEncode } from "./base64url";

/** Claims of a JWT-SVID as the CA issues them. */
export interface JwtSvidClaims {
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  cnf?: { jkt: string };
}

/** Signs `claims` with an ES256 (ECDSA P-256) private key; header `{alg, kid, typ: "JWT"}`. */
export async function signJwtSvid(privateKey: CryptoKey, kid: string, claims: JwtSvidClaims): Promise<string> {
  const header = base64urlEncode(JSON.stringify({ alg: "ES256", kid, typ: "JWT" }));
  const payload = base64urlEncode(JSON.stringify(claims));
  const input = new TextEncoder().encode(`${header}.${payload}`);
  // WebCrypto ECDSA yields r||s (IEEE P1363), which is exactly JWS's ES256 encoding.
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, input);
  return `${header}.${payload}.${base64urlEncode(signature)}`;
}
