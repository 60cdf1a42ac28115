import { describe, expect, it } from "vitest";
import { generateAgreementKey, pairKey, verifyAttestation } from "./key-agreement.ts";
import { checkMacRequestProof, checkMacResponseProof, macRequestProof, macResponseProof } from "./pair-proofs.ts";
import { PROOF_WINDOW_SECONDS } from "./proofs.ts";
import { ReplayCache } from "./replay-cache.ts";
import { generateWorkloadKey, ProofError } from "./workload-key.ts";
import { PeerKeys } from "./peer-keys.ts";

// One isolate's caches of peer keys (imported keys, attestations, pair keys).
const keys = new PeerKeys();
const CALLER = "spiffe://cluster.local/ns/default/sa/front";
const CALLEE = "spiffe://cluster.local/ns/default/sa/reviews";

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (error instanceof ProofError) return error.code;
    throw error;
  }
}

/** A caller and a callee isolate that have exchanged attestations. */
async function pairOfIsolates() {
  const make = async () => {
    const workload = await generateWorkloadKey();
    const agreement = await generateAgreementKey(workload);
    return { agreement, seen: await verifyAttestation(agreement.attestation, workload.thumbprint, keys) };
  };
  const caller = await make();
  const callee = await make();
  const parties = { caller: CALLER, callee: CALLEE };
  return {
    callerKey: await pairKey(caller.agreement, callee.seen, parties, "caller", keys),
    calleeKey: await pairKey(callee.agreement, caller.seen, parties, "callee", keys),
    calleeKid: callee.agreement.kid,
  };
}

describe("MAC request proofs (proof-of-possession with a pair key)", () => {
  it("accepts a fresh proof once, then refuses its replay", async () => {
    const { callerKey, calleeKey, calleeKid } = await pairOfIsolates();
    const request = new Request("http://reviews:9080/reviews/1?x=1", { method: "POST" });
    const proof = await macRequestProof({ key: callerKey, calleeKid }, request, "svid-jti");
    const cache = new ReplayCache();
    const check = () => checkMacRequestProof(proof, request, "svid-jti", calleeKid, async () => calleeKey, Date.now(), cache);
    expect(await reason(check())).toBe("accepted");
    expect(await reason(check())).toBe("proof_replayed");
  });

  it("binds method, host, normalized path, query and the SVID; refuses another pair key, another isolate's key id, stale and garbled proofs", async () => {
    const { callerKey, calleeKey, calleeKid } = await pairOfIsolates();
    const other = await pairOfIsolates();
    const request = new Request("http://reviews:9080/a/./b//c?q=1");
    const proof = await macRequestProof({ key: callerKey, calleeKid }, request, "svid-jti");
    const check = (p: string, r: Request, jti = "svid-jti", kid = calleeKid, key = calleeKey) =>
      reason(checkMacRequestProof(p, r, jti, kid, async () => key, Date.now(), new ReplayCache()));
    expect(await check(proof, new Request("http://Reviews.:9080/a/b/c?q=1"))).toBe("accepted");
    for (const other of ["http://reviews:9080/a/b/c", "http://reviews:9080/a/b/c?q=2", "http://ratings:9080/a/b/c?q=1", "http://reviews/a/b/c?q=1", "http://reviews:9080/admin?q=1"]) {
      expect(await check(proof, new Request(other)), other).toBe("proof_mac_mismatch");
    }
    expect(await check(proof, new Request("http://reviews:9080/a/b/c?q=1", { method: "DELETE" }))).toBe("proof_mac_mismatch");
    expect(await check(proof, request, "another-svid")).toBe("proof_mac_mismatch");
    expect(await check(proof, request, "svid-jti", calleeKid, other.calleeKey)).toBe("proof_mac_mismatch");
    expect(await check(proof, request, "svid-jti", other.calleeKid)).toBe("proof_pair_unknown");
    const old = await macRequestProof({ key: callerKey, calleeKid }, request, "svid-jti", Date.now() - (PROOF_WINDOW_SECONDS + 5) * 1000);
    expect(await check(old, request)).toBe("proof_stale");
    const [prefix, kid, , jti, tag] = proof.split(".");
    expect(await check(`${prefix}.${kid}.${Math.floor(Date.now() / 1000) + 1}.${jti}.${tag}`, request)).toBe("proof_mac_mismatch");
    expect(await check(`${prefix}.${kid}.soon.${jti}.${tag}`, request)).toBe("proof_malformed");
    expect(await check("mac.only", request)).toBe("proof_malformed");
  });
});

describe("MAC answer proofs", () => {
  it("are bound to the caller's jti, method, path and nonce, and to the pair key", async () => {
    const { callerKey, calleeKey } = await pairOfIsolates();
    const binding = { jti: "j1", method: "GET", path: "/ratings/1", nonce: "n1" };
    const proof = await macResponseProof(calleeKey, binding);
    expect(await reason(checkMacResponseProof(proof, binding, callerKey))).toBe("accepted");
    for (const changed of [{ nonce: "n2" }, { jti: "j2" }, { method: "POST" }, { path: "/ratings/2" }]) {
      expect(await reason(checkMacResponseProof(proof, { ...binding, ...changed }, callerKey))).toBe("proof_mac_mismatch");
    }
    expect(await reason(checkMacResponseProof(proof, binding, (await pairOfIsolates()).callerKey))).toBe("proof_mac_mismatch");
  });

  it("a request proof's tag never passes as an answer", async () => {
    const { callerKey, calleeKey, calleeKid } = await pairOfIsolates();
    const request = new Request("http://reviews/x");
    const proof = await macRequestProof({ key: callerKey, calleeKid }, request, "j1");
    const tag = proof.split(".").at(-1)!;
    expect(await reason(checkMacResponseProof(`mac.${tag}`, { jti: "j1", method: "GET", path: "/x", nonce: "n" }, calleeKey))).toBe("proof_mac_mismatch");
  });
});
