import { SignJWT, UnsecuredJWT, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { base64urlDecode, base64urlEncode } from "./base64url";
import { JwtSvidError, JwtSvidVerifier, type JwtSvidFailure } from "./jwt-svid";
import { signJwtSvid, type JwtSvidClaims } from "./jwt-svid-sign";
import { parseTrustBundle, type TrustBundle } from "./trust-bundle";

const TD = "example.org";
const SUB = "spiffe://example.org/ns/default/sa/productpage";
const AUD = "spiffe://example.org/ns/default/sa/reviews";
const NOW = 1_800_000_000;

async function keyPair() {
  return (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
}

async function bundleOf(entries: { kid: string; key: CryptoKey }[], extra: Record<string, unknown> = {}) {
  const keys = [];
  for (const { kid, key } of entries) {
    const { kty, crv, x, y } = (await crypto.subtle.exportKey("jwk", key)) as JsonWebKey;
    keys.push({ kty, crv, x, y, kid, use: "jwt-svid" });
  }
  return parseTrustBundle({ keys, spiffe_sequence: 1, ...extra }, TD);
}

function claims(over: Partial<JwtSvidClaims> = {}): JwtSvidClaims {
  return { sub: SUB, aud: AUD, exp: NOW + 300, iat: NOW, jti: "j1", ...over };
}

async function setup(options: { now?: number } = {}) {
  const pair = await keyPair();
  const bundle = await bundleOf([{ kid: "k1", key: pair.publicKey }]);
  const clock = { now: (options.now ?? NOW) * 1000 };
  const verifier = new JwtSvidVerifier({ bundle, now: () => clock.now });
  return { pair, bundle, verifier, clock };
}

async function reason(verifier: JwtSvidVerifier, token: string, audience = AUD): Promise<JwtSvidFailure | "ok"> {
  try {
    await verifier.verify(token, audience);
    return "ok";
  } catch (err) {
    expect(err).toBeInstanceOf(JwtSvidError);
    return (err as JwtSvidError).code;
  }
}

describe("JWT-SVID verification", () => {
  it("round-trips a token signed by a bundle key", async () => {
    const { pair, verifier } = await setup();
    const token = await signJwtSvid(pair.privateKey, "k1", claims({ cnf: { jkt: "abc" } }));
    const v = await verifier.verify(token, AUD);
    expect(v).toMatchObject({
      spiffeId: SUB,
      trustDomain: TD,
      audience: [AUD],
      expiresAt: NOW + 300,
      issuedAt: NOW,
      jti: "j1",
      kid: "k1",
      keyThumbprint: "abc",
    });
    // jose, an independent implementation, accepts what we sign
    const checked = await jwtVerify(token, pair.publicKey, { audience: AUD, currentDate: new Date(NOW * 1000) });
    expect(checked.payload.sub).toBe(SUB);
    const header = JSON.parse(new TextDecoder().decode(base64urlDecode(token.split(".")[0])!));
    expect(header).toEqual({ alg: "ES256", kid: "k1", typ: "JWT" });
  });

  it("accepts an array audience containing the expected one", async () => {
    const { pair, verifier } = await setup();
    const token = await signJwtSvid(pair.privateKey, "k1", claims({ aud: ["other", AUD] }));
    expect(await reason(verifier, token)).toBe("ok");
  });

  it("refuses a tampered payload (bad_signature)", async () => {
    const { pair, verifier } = await setup();
    const [h, , s] = (await signJwtSvid(pair.privateKey, "k1", claims())).split(".");
    const forged = base64urlEncode(JSON.stringify(claims({ sub: "spiffe://example.org/ns/default/sa/admin" })));
    expect(await reason(verifier, `${h}.${forged}.${s}`)).toBe("bad_signature");
  });

  it("refuses a token signed by another key under a known kid (bad_signature)", async () => {
    const { verifier } = await setup();
    const other = await keyPair();
    expect(await reason(verifier, await signJwtSvid(other.privateKey, "k1", claims()))).toBe("bad_signature");
  });

  it("refuses an unknown kid", async () => {
    const { pair, verifier } = await setup();
    expect(await reason(verifier, await signJwtSvid(pair.privateKey, "k2", claims()))).toBe("unknown_kid");
  });

  it("refuses expired tokens beyond the clock skew, accepts within it", async () => {
    const { pair, verifier } = await setup();
    expect(await reason(verifier, await signJwtSvid(pair.privateKey, "k1", claims({ exp: NOW - 31 })))).toBe(
      "expired",
    );
    expect(await reason(verifier, await signJwtSvid(pair.privateKey, "k1", claims({ exp: NOW - 29 })))).toBe("ok");
  });

  it("refuses tokens not yet valid (nbf and iat in the future)", async () => {
    const { pair, verifier } = await setup();
    const nbf = { ...claims(), nbf: NOW + 120 } as JwtSvidClaims;
    expect(await reason(verifier, await signJwtSvid(pair.privateKey, "k1", nbf))).toBe("not_yet_valid");
    expect(await reason(verifier, await signJwtSvid(pair.privateKey, "k1", claims({ iat: NOW + 120 })))).toBe(
      "not_yet_valid",
    );
  });

  it("refuses a token for another audience (replay from service A to B)", async () => {
    const { pair, verifier } = await setup();
    const token = await signJwtSvid(pair.privateKey, "k1", claims());
    expect(await reason(verifier, token, "spiffe://example.org/ns/default/sa/ratings")).toBe("wrong_audience");
  });

  it("refuses alg none before any key lookup", async () => {
    const refreshes: number[] = [];
    const { bundle } = await setup();
    const verifier = new JwtSvidVerifier({
      bundle,
      now: () => NOW * 1000,
      refreshBundle: async () => (refreshes.push(1), bundle),
    });
    const none = new UnsecuredJWT({ ...claims() }).encode();
    expect(await reason(verifier, none)).toBe("alg_not_allowed");
    const noneWithKid = `${base64urlEncode(JSON.stringify({ alg: "none", kid: "zz" }))}.${none.split(".")[1]}.`;
    expect(await reason(verifier, noneWithKid)).toBe("alg_not_allowed");
    expect(refreshes).toHaveLength(0);
  });

  it("refuses HS256 signed with the public key as the HMAC secret", async () => {
    const { pair, verifier } = await setup();
    const publicJwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
    for (const secret of [new TextEncoder().encode(JSON.stringify(publicJwk)), spki]) {
      const token = await new SignJWT({ ...claims() })
        .setProtectedHeader({ alg: "HS256", kid: "k1", typ: "JWT" })
        .sign(secret);
      expect(await reason(verifier, token)).toBe("alg_not_allowed");
    }
    const rs = await new SignJWT({ ...claims() })
      .setProtectedHeader({ alg: "ES384", kid: "k1" })
      .sign(((await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, ["sign"])) as CryptoKeyPair).privateKey);
    expect(await reason(verifier, rs)).toBe("alg_not_allowed");
  });

  it("refuses a subject in a foreign trust domain", async () => {
    const { pair, verifier } = await setup();
    const token = await signJwtSvid(pair.privateKey, "k1", claims({ sub: "spiffe://evil.org/ns/default/sa/x" }));
    expect(await reason(verifier, token)).toBe("foreign_trust_domain");
  });

  it("refuses revoked identities, from the bundle or from the snapshot", async () => {
    const pair = await keyPair();
    const bundle = await bundleOf([{ kid: "k1", key: pair.publicKey }], { revoked: [SUB] });
    const verifier = new JwtSvidVerifier({ bundle, now: () => NOW * 1000 });
    const token = await signJwtSvid(pair.privateKey, "k1", claims());
    expect(await reason(verifier, token)).toBe("revoked");

    const { verifier: v2, pair: p2 } = await setup();
    const t2 = await signJwtSvid(p2.privateKey, "k1", claims());
    expect(await reason(v2, t2)).toBe("ok");
    v2.setRevokedIdentities([SUB]);
    expect(await reason(v2, t2)).toBe("revoked"); // even from the cache
  });

  it.each([
    ["not a jwt", "two parts"],
    ["a.b.c", "garbage base64/json"],
    ["bad header member", "crit"],
    ["missing kid", "nokid"],
    ["bad sub", "sub"],
    ["missing aud", "aud"],
    ["missing exp", "exp"],
    ["oversized", "big"],
  ])("refuses malformed tokens: %s", async (_name, kind) => {
    const { pair, verifier } = await setup();
    const sign = (header: object, body: object) =>
      (async () => {
        const h = base64urlEncode(JSON.stringify(header));
        const p = base64urlEncode(JSON.stringify(body));
        const sig = await crypto.subtle.sign(
          { name: "ECDSA", hash: "SHA-256" },
          pair.privateKey,
          new TextEncoder().encode(`${h}.${p}`),
        );
        return `${h}.${p}.${base64urlEncode(sig)}`;
      })();
    const base = { ...claims() } as Record<string, unknown>;
    const tokens: Record<string, () => Promise<string>> = {
      "two parts": async () => "abc.def",
      "garbage base64/json": async () => "a.b.c",
      crit: () => sign({ alg: "ES256", kid: "k1", crit: ["exp"] }, base),
      nokid: () => sign({ alg: "ES256" }, base),
      sub: () => sign({ alg: "ES256", kid: "k1" }, { ...base, sub: "spiffe://example.org/../x" }),
      aud: () => sign({ alg: "ES256", kid: "k1" }, { ...base, aud: [] }),
      exp: () => sign({ alg: "ES256", kid: "k1" }, { ...base, exp: undefined }),
      big: async () => "x".repeat(9000),
    };
    expect(await reason(verifier, await tokens[kind]())).toBe("malformed");
  });

  it("caches verified tokens until expiry, still checking audience", async () => {
    const { pair, verifier, clock } = await setup();
    const token = await signJwtSvid(pair.privateKey, "k1", claims({ exp: NOW + 60 }));
    await verifier.verify(token, AUD);
    await verifier.verify(token, AUD);
    await verifier.verify(token, AUD);
    expect(verifier.stats).toMatchObject({ signatureChecks: 1, cacheHits: 2 });
    expect(await reason(verifier, token, "other")).toBe("wrong_audience");
    clock.now = (NOW + 60 + 31) * 1000;
    expect(await reason(verifier, token)).toBe("expired");
    expect(verifier.stats.signatureChecks).toBe(2);
  });

  it("bounds the cache, evicting the least recently used token", async () => {
    const pair = await keyPair();
    const bundle = await bundleOf([{ kid: "k1", key: pair.publicKey }]);
    const verifier = new JwtSvidVerifier({ bundle, now: () => NOW * 1000, cacheSize: 2 });
    const [a, b, c] = await Promise.all(
      ["a", "b", "c"].map((jti) => signJwtSvid(pair.privateKey, "k1", claims({ jti }))),
    );
    await verifier.verify(a, AUD);
    await verifier.verify(b, AUD);
    await verifier.verify(a, AUD); // a is now most recent
    await verifier.verify(c, AUD); // evicts b
    expect(verifier.stats.signatureChecks).toBe(3);
    await verifier.verify(a, AUD);
    expect(verifier.stats.signatureChecks).toBe(3);
    await verifier.verify(b, AUD);
    expect(verifier.stats.signatureChecks).toBe(4);
  });

  it("refreshes the bundle on an unknown kid, rate limited", async () => {
    const k1 = await keyPair();
    const k2 = await keyPair();
    let served: TrustBundle = await bundleOf([{ kid: "k1", key: k1.publicKey }]);
    const clock = { now: NOW * 1000 };
    const verifier = new JwtSvidVerifier({
      bundle: served,
      now: () => clock.now,
      minRefreshIntervalMs: 10_000,
      refreshBundle: async () => served,
    });
    const t2 = await signJwtSvid(k2.privateKey, "k2", claims());
    expect(await reason(verifier, t2)).toBe("unknown_kid");
    expect(verifier.stats.bundleRefreshes).toBe(1);
    served = await bundleOf([{ kid: "k1", key: k1.publicKey }, { kid: "k2", key: k2.publicKey }], {
      spiffe_sequence: 2,
    });
    clock.now += 5_000;
    expect(await reason(verifier, t2)).toBe("unknown_kid"); // within the interval: no refresh
    expect(verifier.stats.bundleRefreshes).toBe(1);
    clock.now += 5_000;
    expect(await reason(verifier, t2)).toBe("ok");
    expect(verifier.stats.bundleRefreshes).toBe(2);
    expect(verifier.bundle.sequence).toBe(2);
  });
});
