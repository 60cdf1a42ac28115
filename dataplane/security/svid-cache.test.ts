import { describe, expect, it } from "vitest";
import { base64urlEncode } from "../../identity/base64url.ts";
import type { IdentityPeer } from "./mesh-peer.ts";
import { verifyAttestation } from "./key-agreement.ts";
import { SvidCache } from "./svid-cache.ts";
import { PeerKeys } from "./peer-keys.ts";

// A stand-in CA that issues unsigned tokens with the given lifetime; the cache never verifies them.
function fakeCa(now: () => number, ttlMs: number) {
  const issued: { audience: string; publicKey?: JsonWebKey }[] = [];
  const peer: IdentityPeer = {
    async jwtSvid(audience, options) {
      issued.push({ audience: String(audience), publicKey: options?.publicKey });
      const jti = `jti-${issued.length}`;
      return { token: `h.${base64urlEncode(JSON.stringify({ jti }))}.s`, expiresAt: new Date(now() + ttlMs).toISOString(), spiffeId: "spiffe://cluster.local/ns/default/sa/front" };
    },
    async trustBundle() {
      return { keys: [] };
    },
  };
  return { peer, issued };
}

describe("SvidCache", () => {
  it("fetches at first need with the workload key, then serves from cache", async () => {
    let now = 1_000_000;
    const cache = new SvidCache(() => now);
    const { peer, issued } = fakeCa(() => now, 300_000);
    const background: Promise<unknown>[] = [];
    const first = await cache.svidFor("spiffe://cluster.local/ns/default/sa/back", peer, (p) => background.push(p));
    expect(first.jti).toBe("jti-1");
    expect(issued[0]!.publicKey).toEqual((await cache.workloadKey()).publicJwk);
    now += 60_000;
    expect((await cache.svidFor("spiffe://cluster.local/ns/default/sa/back", peer, (p) => background.push(p))).jti).toBe("jti-1");
    expect(issued).toHaveLength(1);
    expect(background).toHaveLength(0);
  });

  it("renews in waitUntil once half the lifetime is spent, still answering with the current token", async () => {
    let now = 1_000_000;
    const cache = new SvidCache(() => now);
    const { peer, issued } = fakeCa(() => now, 300_000);
    const background: Promise<unknown>[] = [];
    await cache.svidFor("aud", peer, (p) => background.push(p));
    now += 200_000;
    const during = await cache.svidFor("aud", peer, (p) => background.push(p));
    expect(during.jti).toBe("jti-1");
    expect(background).toHaveLength(1);
    await Promise.all(background);
    expect((await cache.svidFor("aud", peer, (p) => background.push(p))).jti).toBe("jti-2");
    expect(issued).toHaveLength(2);
  });

  it("fetches on the request path only when the token is missing or about to expire", async () => {
    let now = 1_000_000;
    const cache = new SvidCache(() => now);
    const { peer } = fakeCa(() => now, 300_000);
    await cache.svidFor("aud", peer, () => undefined);
    now += 298_000;
    expect((await cache.svidFor("aud", peer, () => undefined)).jti).toBe("jti-2");
  });

  it("makes the key-agreement key once, attested by the workload key its SVIDs confirm", async () => {
    const cache = new SvidCache();
    const agreement = await cache.agreementKey();
    expect(await cache.agreementKey()).toBe(agreement);
    const attested = await verifyAttestation(agreement.attestation, (await cache.workloadKey()).thumbprint, keys);
    expect(attested.kid).toBe(agreement.kid);
  });
});
// One isolate's caches of peer keys (imported keys, attestations, pair keys).
const keys = new PeerKeys();
