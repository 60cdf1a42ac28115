import { describe, expect, it } from "vitest";
import { proofRequest } from "./proof-request.ts";
import { checkRequestProof, checkResponseProof, requestProof, responseProof, PROOF_WINDOW_SECONDS } from "./proofs.ts";
import { ReplayCache } from "./replay-cache.ts";
import { generateWorkloadKey, ProofError } from "./workload-key.ts";
import { PeerKeys } from "./peer-keys.ts";
import { SecurityState } from "./security-state.ts";

// One isolate's caches of peer keys (imported keys, attestations, pair keys).
const keys = new PeerKeys();
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
    expect(await reason(checkRequestProof(proof, request, SVID, key.thumbprint, Date.now(), { requestReplays: cache, peerKeys: keys }))).toBe("accepted");
    expect(await reason(checkRequestProof(proof, request, SVID, key.thumbprint, Date.now(), { requestReplays: cache, peerKeys: keys }))).toBe("proof_replayed");
  });
  it("binds method, host, normalized path, query and the SVID", async () => {
    const key = await generateWorkloadKey();
    const request = new Request("http://reviews:9080/a/./b//c?q=1");
    const proof = await requestProof(key, request, SVID);
    const check = (r: Request, svid = SVID) => reason(checkRequestProof(proof, r, svid, key.thumbprint, Date.now(), new SecurityState()));
    expect(await check(new Request("http://REVIEWS.:9080/a/b/c?q=1"))).toBe("accepted");
    expect(await check(new Request("http://reviews:9080/a/b/c?q=1", { method: "DELETE" }))).toBe("proof_request_mismatch");
    expect(await check(new Request("http://reviews:9080/admin?q=1"))).toBe("proof_request_mismatch");
    expect(await check(new Request("http://reviews:9080/a/b/c?q=2"))).toBe("proof_request_mismatch");
    expect(await check(new Request("http://reviews:9080/a/b/c"))).toBe("proof_request_mismatch");
    expect(await check(new Request("http://reviews:9081/a/b/c?q=1"))).toBe("proof_request_mismatch");
    expect(await check(new Request("http://ratings:9080/a/b/c?q=1"))).toBe("proof_request_mismatch");
    expect(await check(request, "other.svid.token")).toBe("proof_mismatch");
  });
  it("binds the body's digest where the callee asks for it, and says which part differs", async () => {
    const key = await generateWorkloadKey();
    const post = (body: string) => new Request("http://reviews/r", { method: "POST", body });
    const proof = await requestProof(key, await proofRequest(post("amount=1"), { bodyDigest: true }), SVID);
    const check = async (r: Request, bodyDigest = true) => reason(checkRequestProof(proof, await proofRequest(r, { bodyDigest }), SVID, key.thumbprint, Date.now(), new SecurityState()));
    expect(await check(post("amount=1"))).toBe("accepted");
    expect(await check(post("amount=1000"))).toBe("proof_request_mismatch");
    // A callee that does not ask ignores the digest; one that asks refuses a proof without it.
    expect(await check(post("amount=1000"), false)).toBe("accepted");
    const bare = await requestProof(key, post("amount=1"), SVID);
    const error = await checkRequestProof(bare, await proofRequest(post("amount=1"), { bodyDigest: true }), SVID, key.thumbprint, Date.now(), new SecurityState()).catch((e: ProofError) => e);
    expect(error).toMatchObject({ code: "proof_request_mismatch", message: expect.stringContaining("body") });
  });
  it("leaves the request's body unread when it digests it", async () => {
    const request = new Request("http://reviews/r", { method: "POST", body: "payload" });
    const parts = await proofRequest(request, { bodyDigest: true });
    expect(parts.bodyDigest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await request.text()).toBe("payload");
  });
  it("refuses a proof by a key the SVID does not confirm, a stale one, and a forged signature", async () => {
    const key = await generateWorkloadKey();
    const other = await generateWorkloadKey();
    const request = new Request("http://reviews/");
    const proof = await requestProof(key, request, SVID);
    expect(await reason(checkRequestProof(proof, request, SVID, other.thumbprint, Date.now(), new SecurityState()))).toBe("proof_key_mismatch");
    const old = await requestProof(key, request, SVID, Date.now() - (PROOF_WINDOW_SECONDS + 5) * 1000);
    expect(await reason(checkRequestProof(old, request, SVID, key.thumbprint, Date.now(), new SecurityState()))).toBe("proof_stale");
    const [h, p] = proof.split(".");
    const forged = `${h}.${p}.${(await requestProof(other, request, SVID)).split(".")[2]}`;
    expect(await reason(checkRequestProof(forged, request, SVID, key.thumbprint, Date.now(), new SecurityState()))).toBe("proof_bad_signature");
  });
});

describe("response proofs (the callee's answer)", () => {
  it("is bound to the caller's jti, method, path and nonce", async () => {
    const key = await generateWorkloadKey();
    const binding = { jti: "j1", method: "GET", path: "/ratings/1", nonce: "n1" };
    const proof = await responseProof(key, binding);
    expect(await reason(checkResponseProof(proof, binding, key.thumbprint, keys))).toBe("accepted");
    expect(await reason(checkResponseProof(proof, { ...binding, nonce: "n2" }, key.thumbprint, keys))).toBe("proof_mismatch");
    expect(await reason(checkResponseProof(proof, binding, (await generateWorkloadKey()).thumbprint, keys))).toBe("proof_key_mismatch");
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
