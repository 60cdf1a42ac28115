import { describe, expect, it } from "vitest";
import { derSignatureOf, p1363SignatureOf } from "./ecdsa-signature";

describe("ECDSA signature forms", () => {
  it("round-trips WebCrypto signatures through DER, and Node's verifier takes the DER form", async () => {
    for (const [namedCurve, hash, size] of [["P-256", "SHA-256", 32], ["P-384", "SHA-384", 48]] as const) {
      const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve }, true, ["sign", "verify"])) as CryptoKeyPair;
      const { createPublicKey, verify } = await import("node:crypto");
      const publicKey = createPublicKey({ key: (await crypto.subtle.exportKey("jwk", keys.publicKey)) as never, format: "jwk" });
      for (let i = 0; i < 40; i++) {
        const data = crypto.getRandomValues(new Uint8Array(64));
        const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash }, keys.privateKey, data));
        const der = derSignatureOf(raw);
        expect(verify(hash.replace("-", "").toLowerCase(), data, publicKey, der)).toBe(true);
        expect(p1363SignatureOf(der, size)).toEqual(raw);
      }
    }
  });

  it("pads r and s with the top bit set and strips leading zeros", () => {
    const raw = new Uint8Array(64);
    raw[0] = 0x80;
    raw[63] = 0x01; // s = 1
    expect(Buffer.from(derSignatureOf(raw)).toString("hex")).toBe(`3026022100${"80" + "00".repeat(31)}020101`);
  });

  it("refuses DER that is not minimal or does not fit the curve", () => {
    expect(p1363SignatureOf(Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01), 32)).not.toBeNull();
    expect(p1363SignatureOf(Uint8Array.of(0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01), 32)).toBeNull(); // needless zero
    expect(p1363SignatureOf(Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01), 32)).toBeNull(); // negative
    expect(p1363SignatureOf(Uint8Array.of(0x30, 0x26, 0x02, 0x21, ...new Uint8Array(33).fill(1), 0x02, 0x01, 0x01), 32)).toBeNull(); // r of 33 bytes
    expect(p1363SignatureOf(Uint8Array.of(0x30, 0x26, 0x02, 0x21, ...new Uint8Array(33).fill(1), 0x02, 0x01, 0x01), 48)).not.toBeNull();
    expect(p1363SignatureOf(Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00), 32)).toBeNull(); // trailing byte
  });
});
