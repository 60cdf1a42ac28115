import { describe, expect, it } from "vitest";
import { JwtSvidError } from "../../identity/jwt-svid.ts";
import { signJwtSvid } from "../../identity/jwt-svid-sign.ts";
import type { IdentityPeer } from "./mesh-peer.ts";
import { MeshTrust, TrustBundleUnavailableError } from "./trust.ts";

async function authority(kid: string) {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  return { kid, privateKey: pair.privateKey, entry: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, kid, use: "jwt-svid" } };
}

const SELF = "spiffe://cluster.local/ns/default/sa/back";
const CALLER = "spiffe://cluster.local/ns/default/sa/front";

describe("MeshTrust", () => {
  it("loads the bundle once, revalidates it in waitUntil after the interval, and applies the snapshot's revocations", async () => {
    const a = await authority("k1");
    let fetches = 0;
    const peer = { trustBundle: async () => (fetches++, { keys: [a.entry], spiffe_sequence: fetches }) } as unknown as IdentityPeer;
    let now = Date.now();
    const trust = new MeshTrust({ maxRefreshMs: 1000, now: () => now });
    const background: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => background.push(p);
    const token = await signJwtSvid(a.privateKey, "k1", { sub: CALLER, aud: SELF, iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 300, jti: "j" });

    const verifier = await trust.verifierFor("cluster.local", peer, [], waitUntil);
    expect((await verifier.verify(token, SELF)).spiffeId).toBe(CALLER);
    expect(fetches).toBe(1);
    now += 1500;
    await trust.verifierFor("cluster.local", peer, [], waitUntil);
    await Promise.all(background);
    expect(fetches).toBe(2);

    const revoked = await trust.verifierFor("cluster.local", peer, [CALLER], waitUntil);
    await expect(revoked.verify(token, SELF)).rejects.toMatchObject({ code: "revoked" } satisfies Partial<JwtSvidError>);
  });

  it("says so when no bundle can be had", async () => {
    const peer = { trustBundle: async () => Promise.reject(new Error("down")) } as unknown as IdentityPeer;
    await expect(new MeshTrust().verifierFor("cluster.local", peer, [], () => undefined)).rejects.toBeInstanceOf(TrustBundleUnavailableError);
  });
});
