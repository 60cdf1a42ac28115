import { describe, expect, it } from "vitest";
import { checkRequestProof, checkResponseProof, requestProof, responseProof, PROOF_WINDOW_SECONDS } from "./proofs.ts";
import { ReplayCache } from "./replay-cache.ts";
import { generateWorkloadKey, ProofError } from "./workload-key.ts";

const SVID = "header.payload.signature";

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (error instanceof ProofError) return error.code;
    throw error;
  }
}

describe("request proofs (proof-of-possession)", () => {
  it("accepts a fresh proof once, then refuses its replay", async () => {
    const key = await generateWorkloadKey();
    const request = new Request("http://reviews:9080/reviews/1?x=1", { method: "POST" });
    const proof = await requestProof(key, request, SVID);
    const cache = new ReplayCache();
    expect(await reason(checkRequestProof(proof, request, SVID, key.thumbprint, Date.now(), cache))).toBe("accepted");
    expect(await reason(checkRequestProof(proof, request, SVID, key.thumbprint, Date.now(), cache))).toBe("proof_replayed");
  });
  it("binds method, normalized path and the SVID", async () => {
    const key = await generateWorkloadKey();
    const request = new Request("http://reviews:9080/a/./b//c");
    const proof = await requestProof(key, request, SVID);
    expect(await reason(checkRequestProof(proof, new Request("http://x/a/b/c"), SVID, key.thumbprint, Date.now(), new ReplayCache()))).toBe("accepted");
    expect(await reason(checkRequestProof(proof, new Request("http://x/a/b/c", { method: "DELETE" }), SVID, key.thumbprint, Date.now(), new ReplayCache()))).toBe("proof_mismatch");
    expect(await reason(checkRequestProof(proof, new Request("http://x/admin"), SVID, key.thumbprint, Date.now(), new ReplayCache()))).toBe("proof_mismatch");
    expect(await reason(checkRequestProof(proof, request, "other.svid.token", key.thumbprint, Date.now(), new ReplayCache()))).toBe("proof_mismatch");
  });
  it("refuses a proof by a key the SVID does not confirm, a stale one, and a forged signature", async () => {
    const key = await generateWorkloadKey();
    const other = await generateWorkloadKey();
    const request = new Request("http://reviews/");
    const proof = await requestProof(key, request, SVID);
    expect(await reason(checkRequestProof(proof, request, SVID, other.thumbprint, Date.now(), new ReplayCache()))).toBe("proof_key_mismatch");
    const old = await requestProof(key, request, SVID, Date.now() - (PROOF_WINDOW_SECONDS + 5) * 1000);
    expect(await reason(checkRequestProof(old, request, SVID, key.thumbprint, Date.now(), new ReplayCache()))).toBe("proof_stale");
    const [h, p] = proof.split(".");
    const forged = `${h}.${p}.${(await requestProof(other, request, SVID)).split(".")[2]}`;
    expect(await reason(checkRequestProof(forged, request, SVID, key.thumbprint, Date.now(), new ReplayCache()))).toBe("proof_bad_signature");
  });
});

describe("response proofs (the callee's answer)", () => {
  it("is bound to the caller's jti, method, path and nonce", async () => {
    const key = await generateWorkloadKey();
    const binding = { jti: "j1", method: "GET", path: "/ratings/1", nonce: "n1" };
    const proof = await responseProof(key, binding);
    expect(await reason(checkResponseProof(proof, binding, key.thumbprint))).toBe("accepted");
    expect(await reason(checkResponseProof(proof, { ...binding, nonce: "n2" }, key.thumbprint))).toBe("proof_mismatch");
    expect(await reason(checkResponseProof(proof, binding, (await generateWorkloadKey()).thumbprint))).toBe("proof_key_mismatch");
  });
});

describe("replay cache", () => {
  it("forgets entries after their window and evicts the oldest when full", () => {
    let now = 0;
    const cache = new ReplayCache(2, () => now);
    expect(cache.remember("a", 100)).toBe(true);
    expect(cache.remember("a", 100)).toBe(false);
    now = 101;
    expect(cache.remember("a", 200)).toBe(true);
    cache.remember("b", 200);
    cache.remember("c", 200);
    expect(cache.size).toBe(2);
  });
});
