import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { opensslCsr, scratchDir } from "../../test/support/openssl";
import { readCsr } from "./csr-reader";
import { element, hexBytes } from "./der";
import { derSignatureOf } from "./ecdsa-signature";
import { CsrError, parseCsr } from "./x509-svid";

x509.cryptoProvider.set(crypto);

const ID = "spiffe://example.org/ns/default/sa/reviews";
const dir = scratchDir();
const derOf = (pem: string) => Uint8Array.from(atob(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")), (c) => c.charCodeAt(0));

/** What @peculiar/x509 alone makes of a CSR: accepted (key + SANs) or not. */
async function libraryVerdict(der: Uint8Array): Promise<string> {
  try {
    const csr = new x509.Pkcs10CertificateRequest(der);
    if (!(await csr.verify())) return "refused";
    const san = csr.getExtension("2.5.29.17") as x509.SubjectAlternativeNameExtension | null;
    return `accepted ${Buffer.from(csr.publicKey.rawData).toString("hex")} ${JSON.stringify(san?.names.toJSON() ?? [])}`;
  } catch {
    return "refused";
  }
}

/** What parseCsr makes of it, in the same terms (its key checks aside). */
async function parseVerdict(der: Uint8Array): Promise<string> {
  try {
    const csr = await parseCsr(der);
    return `accepted ${Buffer.from(csr.spki).toString("hex")} ${JSON.stringify(csr.names)}`;
  } catch (err) {
    expect(err).toBeInstanceOf(CsrError);
    return "refused";
  }
}

describe("direct CSR reader", () => {
  it("reads the CSRs workloads send, with the key and URI SANs the library reads", async () => {
    for (const [name, key, san] of [
      ["ec", "ec", `URI:${ID}`],
      ["ec-nosan", "ec", null],
      ["rsa", "rsa2048", `URI:${ID}`],
      ["two-uris", "ec", `URI:${ID},URI:spiffe://example.org/x`],
    ] as const) {
      const der = derOf(opensslCsr(dir, name, { san, key }).csrPem);
      const fields = readCsr(der);
      expect(fields, name).not.toBeNull();
      const library = new x509.Pkcs10CertificateRequest(der);
      expect(Buffer.from(fields!.spki).equals(Buffer.from(library.publicKey.rawData)), name).toBe(true);
      const libraryUris = (library.getExtension("2.5.29.17") as x509.SubjectAlternativeNameExtension | null)?.names.items.map((n) => n.value) ?? [];
      expect(fields!.uris).toEqual(libraryUris);
      expect(fields!.key.name).toBe(library.publicKey.algorithm.name);
      expect(await parseVerdict(der)).toBe(await libraryVerdict(der));
    }
  });

  it("leaves other shapes to the library (which words the refusal)", () => {
    for (const [name, key, san] of [
      ["dns", "ec", `URI:${ID},DNS:evil.com`],
      ["weak", "rsa1024", `URI:${ID}`],
      ["k1", "ec-secp256k1", `URI:${ID}`],
    ] as const) {
      expect(readCsr(derOf(opensslCsr(dir, `l-${name}`, { san, key }).csrPem)), name).toBeNull();
    }
    const der = derOf(opensslCsr(dir, "shape", { san: `URI:${ID}` }).csrPem);
    expect(readCsr(Uint8Array.of(...der, 0))).toBeNull(); // trailing byte
    expect(readCsr(der.subarray(0, der.length - 1))).toBeNull(); // truncated
    // The same CSR with its outer length in a needless long form: BER, not DER.
    const long = Uint8Array.of(0x30, 0x83, 0, der[2], der[3], ...der.subarray(4));
    expect(der[1]).toBe(0x82);
    expect(readCsr(long)).toBeNull();
  });

  it("checks the subject's shape although it is not copied: signed but malformed goes to the library", async () => {
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", keys.publicKey)) as ArrayBuffer);
    const signedCsr = async (subject: Uint8Array) => {
      const info = element(0x30, Uint8Array.of(0x02, 0x01, 0x00), subject, spki, Uint8Array.of(0xa0, 0x00));
      const signature = derSignatureOf(new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.privateKey, info)));
      return element(0x30, info, hexBytes("300a06082a8648ce3d040302"), element(0x03, Uint8Array.of(0), signature));
    };
    const rdn = element(0x31, element(0x30, hexBytes("0603550408"), element(0x0c, new TextEncoder().encode("x"))));
    const good = await signedCsr(element(0x30, rdn));
    expect(readCsr(good)).not.toBeNull();
    expect(await parseVerdict(good)).toBe(await libraryVerdict(good));
    for (const subject of [element(0x30, Uint8Array.of(0x02, 0x01, 0x01)), element(0x30, element(0x31)), element(0x31, rdn)]) {
      const odd = await signedCsr(subject);
      expect(readCsr(odd)).toBeNull();
      expect(await parseVerdict(odd)).toBe(await libraryVerdict(odd));
    }
  });

  it("accepts a damaged CSR only where the library accepts it too: every byte changed in turn", async () => {
    const der = derOf(opensslCsr(dir, "fuzz", { san: `URI:${ID}` }).csrPem);
    const differences: string[] = [];
    for (let i = 0; i < der.length; i++) {
      for (const flip of [0x01, 0x80]) {
        const damaged = der.slice();
        damaged[i] ^= flip;
        const ours = await parseVerdict(damaged);
        if (ours.startsWith("accepted") && ours !== (await libraryVerdict(damaged))) differences.push(`byte ${i} ^ ${flip}: ${ours}`);
        if (readCsr(damaged) && ours === "refused") {
          // The direct reader read it but the signature failed: the library must refuse too.
          expect(await libraryVerdict(damaged)).toBe("refused");
        }
      }
    }
    expect(differences).toEqual([]);
  });
});
