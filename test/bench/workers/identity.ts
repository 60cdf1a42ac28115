// CA and identity work inside workerd for `node test/bench/ca.mjs`. Clocks do not advance
// while code runs, so each request does `n` operations and the client times N against 0.
import { generateRoot, type SigningAuthority } from "../../../controlplane/ca/authority";
import { checkRequestedIdentity, issueLeaf, parseCsr } from "../../../controlplane/ca/x509-svid";
import { JwtSvidVerifier } from "../../../identity/jwt-svid";
import { signJwtSvid } from "../../../identity/jwt-svid-sign";
import { parseTrustBundle, type TrustBundle } from "../../../identity/trust-bundle";

const SUB = "spiffe://bench.local/ns/default/sa/productpage";
const AUD = "spiffe://bench.local/ns/default/sa/reviews";
let state: Promise<{ key: CryptoKey; bundle: TrustBundle; tokens: string[]; cached: JwtSvidVerifier; root: SigningAuthority }> | null = null;

async function setup() {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const { kty, crv, x, y } = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  const bundle = parseTrustBundle({ keys: [{ kty, crv, x, y, kid: "k1", use: "jwt-svid" }], spiffe_sequence: 1 }, "bench.local");
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const tokens = await Promise.all(Array.from({ length: 2000 }, (_, i) => signJwtSvid(pair.privateKey, "k1", { sub: SUB, aud: AUD, exp, iat: exp - 3600, jti: String(i) })));
  const cached = new JwtSvidVerifier({ bundle, cacheSize: 4000 });
  for (const t of tokens) await cached.verify(t, AUD);
  return { key: pair.privateKey, bundle, tokens, cached, root: await generateRoot("bench.local", new Date()) };
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "0");
    const s = await (state ??= setup());
    switch (url.pathname) {
      case "/verify-cold": {
        const verifier = new JwtSvidVerifier({ bundle: s.bundle, cacheSize: 0 });
        for (let i = 0; i < n; i++) await verifier.verify(s.tokens[i % s.tokens.length], AUD);
        break;
      }
      case "/verify-cached":
        for (let i = 0; i < n; i++) await s.cached.verify(s.tokens[i % s.tokens.length], AUD);
        break;
      case "/sign": {
        const exp = Math.floor(Date.now() / 1000) + 300;
        for (let i = 0; i < n; i++) await signJwtSvid(s.key, "k1", { sub: SUB, aud: AUD, exp, iat: exp - 300, jti: String(i) });
        break;
      }
      case "/csr": {
        const csrPem = await request.text();
        for (let i = 0; i < n; i++) {
          const csr = await parseCsr(new TextEncoder().encode(csrPem));
          checkRequestedIdentity(csr, SUB);
          await issueLeaf({ csr, spiffeId: SUB, issuer: s.root, ttlSeconds: 86_400, now: new Date() });
        }
        break;
      }
      default:
        return new Response("not found", { status: 404 });
    }
    return new Response("ok");
  },
};
