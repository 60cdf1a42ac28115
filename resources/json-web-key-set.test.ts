import { generateKeyPairSync } from "node:crypto";
import { exportJWK, generateKeyPair, generateSecret, importJWK } from "jose";
import { describe, expect, it } from "vitest";
import { JsonWebKeySetText, JWT_ALGORITHMS } from "./json-web-key-set.ts";

const problems = (set: unknown) => {
  const checked = JsonWebKeySetText.safeParse(typeof set === "string" ? set : JSON.stringify(set));
  return checked.success ? [] : checked.error.issues.map((i) => i.message);
};

async function pair(alg: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { publicJwk: { ...(await exportJWK(publicKey)), alg }, privateJwk: { ...(await exportJWK(privateKey)), alg } };
}

describe("inline JWKS", () => {
  it("accepts public keys of every algorithm the data plane verifies, and jose imports each", async () => {
    for (const alg of JWT_ALGORITHMS) {
      const { publicJwk } = await pair(alg);
      expect(problems({ keys: [publicJwk] }), alg).toEqual([]);
      await expect(importJWK(publicJwk, alg)).resolves.toBeDefined();
    }
  });

  it("refuses private keys, by the member that makes them private", async () => {
    for (const alg of ["RS256", "ES256", "EdDSA"]) {
      const { publicJwk, privateJwk } = await pair(alg);
      expect(problems({ keys: [publicJwk, privateJwk] }), alg).toEqual([expect.stringMatching(/^keys\[1\] carries the private or symmetric member "(d|p|q|dp|dq|qi)"/)]);
    }
  });

  it("refuses symmetric keys, small RSA moduli and unsupported key types, curves and algorithms", async () => {
    const secret = await exportJWK(await generateSecret("HS256", { extractable: true }));
    expect(problems({ keys: [secret] })[0]).toMatch(/private or symmetric member "k"/);
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "jwk" });
    expect(problems({ keys: [small] })[0]).toMatch(/RSA modulus under 2048 bits/);
    const { publicJwk: ec } = await pair("ES256");
    expect(problems({ keys: [{ ...ec, crv: "secp256k1" }] })[0]).toMatch(/unsupported crv/);
    expect(problems({ keys: [{ ...ec, alg: "ES384" }] })[0]).toMatch(/P-256 key with alg ES384/);
    expect(problems({ keys: [{ ...ec, alg: "none" }] })[0]).toMatch(/unsupported alg "none"/);
    expect(problems({ keys: [{ ...ec, alg: "HS256" }] })[0]).toMatch(/unsupported alg "HS256"/);
    expect(problems({ keys: [{ ...ec, use: "enc" }] })[0]).toMatch(/use "enc"/);
    expect(problems({ keys: [{ ...ec, key_ops: ["encrypt"] }] })[0]).toMatch(/key_ops without "verify"/);
    expect(problems({ keys: [{ ...ec, x: "short" }] })[0]).toMatch(/without base64url x and y of 32 bytes/);
    expect(problems({ keys: [{ ...ec, kty: "oct" }] })[0]).toMatch(/unsupported kty "oct"/);
    expect(problems({ keys: [{ kty: "RSA", e: "AQAB" }] })[0]).toMatch(/RSA key without base64url n and e/);
    expect(problems({ keys: [{ kty: "OKP", crv: "X25519", x: "A".repeat(43) }] })[0]).toMatch(/unsupported crv "X25519"/);
    expect(problems({ keys: ["key"] })[0]).toMatch(/keys\[0\] is not a JSON object/);
  });

  it("refuses what is not a JWK Set at all", () => {
    for (const text of ["{", "[]", "null", '"keys"', '{"keys":{}}', "{}"]) expect(problems(text)[0], text).toMatch(/^must be a JSON Web Key Set/);
    expect(problems({ keys: [] })).toEqual(["must hold at least one key: an empty set verifies no token"]);
  });
});
