import { describe, expect, it } from "vitest";
import { base64urlEncode } from "../../identity/base64url.ts";
import { generateAgreementKey, macMatches, macOf, pairKey, verifyAttestation } from "./key-agreement.ts";
import { generateWorkloadKey, ProofError, signProof } from "./workload-key.ts";
import { PeerKeys } from "./peer-keys.ts";

// One isolate's caches of peer keys (imported keys, attestations, pair keys).
const keys = new PeerKeys();
const A = "spiffe://cluster.local/ns/default/sa/a";
const B = "spiffe://cluster.local/ns/default/sa/b";
const C = "spiffe://cluster.local/ns/default/sa/c";

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (error instanceof ProofError) return error.code;
    throw error;
  }
}

async function isolate() {
  const workload = await generateWorkloadKey();
  return { workload, agreement: await generateAgreementKey(workload) };
}

describe("key attestations", () => {
  it("accepts an attestation signed by the key the SVID confirms, and only for that key, cached or not", async () => {
    const { workload, agreement } = await isolate();
    const attested = await verifyAttestation(agreement.attestation, workload.thumbprint, keys);
    expect(attested.kid).toBe(agreement.kid);
    expect(attested.signer).toBe(workload.thumbprint);
    // Cached by value now; the signer is still compared on every use.
    expect(await reason(verifyAttestation(agreement.attestation, (await generateWorkloadKey()).thumbprint, keys))).toBe("attestation_key_mismatch");
    expect(await verifyAttestation(agreement.attestation, workload.thumbprint, keys)).toBe(attested);
  });

  it("refuses a tampered attestation, one signed by another key, and garbage", async () => {
    const { workload, agreement } = await isolate();
    const intruder = await isolate();
    const [header, , signature] = agreement.attestation.split(".");
    const swapped = `${header}.${base64urlEncode(JSON.stringify({ ecdh: intruder.agreement.publicJwk, iat: 1 }))}.${signature}`;
    expect(await reason(verifyAttestation(swapped, workload.thumbprint, keys))).toBe("attestation_bad_signature");
    // The intruder attests its own ECDH key with its own workload key: not the key the SVID confirms.
    expect(await reason(verifyAttestation(intruder.agreement.attestation, workload.thumbprint, keys))).toBe("attestation_key_mismatch");
    expect(await reason(verifyAttestation("not.an.attestation", workload.thumbprint, keys))).toBe("attestation_malformed");
    const noKey = await signProof(workload, "isthmus-key+jwt", { ecdh: { kty: "EC", crv: "P-256", x: "AA", y: "AA" } });
    expect(await reason(verifyAttestation(noKey, workload.thumbprint, keys))).toBe("attestation_malformed");
    const wrongTyp = await signProof(workload, "isthmus-pop+jwt", { ecdh: agreement.publicJwk });
    expect(await reason(verifyAttestation(wrongTyp, workload.thumbprint, keys))).toBe("attestation_malformed");
  });
});

describe("pair keys", () => {
  it("caller and callee derive the same key from each other's attested public keys", async () => {
    const a = await isolate();
    const b = await isolate();
    const bSeenByA = await verifyAttestation(b.agreement.attestation, b.workload.thumbprint, keys);
    const aSeenByB = await verifyAttestation(a.agreement.attestation, a.workload.thumbprint, keys);
    const atCaller = await pairKey(a.agreement, bSeenByA, { caller: A, callee: B }, "caller", keys);
    const atCallee = await pairKey(b.agreement, aSeenByB, { caller: A, callee: B }, "callee", keys);
    const tag = await macOf(atCaller, ["x", 1]);
    expect(await macMatches(atCallee, ["x", 1], tag)).toBe(true);
    expect(await macMatches(atCallee, ["x", 2], tag)).toBe(false);
    expect(await pairKey(a.agreement, bSeenByA, { caller: A, callee: B }, "caller", keys)).toBe(atCaller);
  });

  it("keeps keys apart between peers, identities and directions", async () => {
    const a = await isolate();
    const b = await isolate();
    const c = await isolate();
    const seen = async (x: Awaited<ReturnType<typeof isolate>>) => verifyAttestation(x.agreement.attestation, x.workload.thumbprint, keys);
    const ab = await pairKey(a.agreement, await seen(b), { caller: A, callee: B }, "caller", keys);
    const tag = await macOf(ab, ["request"]);
    const others = [
      await pairKey(a.agreement, await seen(c), { caller: A, callee: C }, "caller", keys), // another callee isolate
      await pairKey(a.agreement, await seen(c), { caller: A, callee: B }, "caller", keys), // C's key claiming B's identity
      await pairKey(b.agreement, await seen(a), { caller: B, callee: A }, "caller", keys), // the other direction
      await pairKey(c.agreement, await seen(a), { caller: A, callee: B }, "callee", keys), // the callee side of another isolate
    ];
    for (const other of others) expect(await macMatches(other, ["request"], tag)).toBe(false);
  });
});
