import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { execFileSync } from "node:child_process";
import { createServer, request } from "node:https";
import type { TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { opensslCa, opensslCsr, opensslSign, opensslVerify, scratchDir } from "../../test/support/openssl";
import { generateRoot, importOperatorAuthority, InvalidCaMaterialError, type SigningAuthority } from "./authority";
import { checkRequestedIdentity, CsrError, issueLeaf, parseCsr } from "./x509-svid";

const TD = "example.org";
const ID = "spiffe://example.org/ns/default/sa/reviews";
const dir = scratchDir();
let root: SigningAuthority;

beforeAll(async () => {
  root = await generateRoot(TD, new Date());
});

async function issue(csrPem: string | Uint8Array, spiffeId = ID, issuer = root) {
  const csr = await parseCsr(typeof csrPem === "string" ? new TextEncoder().encode(csrPem) : csrPem);
  checkRequestedIdentity(csr, spiffeId);
  const leaf = await issueLeaf({ csr, spiffeId, issuer, ttlSeconds: 86_400, now: new Date() });
  return new x509.X509Certificate(leaf.der);
}

async function csrProblem(body: string | Uint8Array, spiffeId = ID): Promise<string> {
  try {
    await issue(body, spiffeId);
    return "issued";
  } catch (err) {
    expect(err).toBeInstanceOf(CsrError);
    return `${(err as CsrError).code}: ${(err as Error).message}`;
  }
}

describe("CA root", () => {
  it("is a 10-year P-256 CA with critical basicConstraints and keyCertSign+cRLSign, SPIFFE ID without path", async () => {
    const cert = root.certificate;
    const years = (cert.notAfter.getTime() - cert.notBefore.getTime()) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(9.99);
    expect(cert.publicKey.algorithm).toMatchObject({ name: "ECDSA", namedCurve: "P-256" });
    const bc = cert.getExtension(x509.BasicConstraintsExtension)!;
    expect([bc.ca, bc.critical]).toEqual([true, true]);
    const ku = cert.getExtension(x509.KeyUsagesExtension)!;
    expect(ku.critical).toBe(true);
    expect(ku.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension)!;
    expect(san.names.toJSON()).toEqual([{ type: "url", value: "spiffe://example.org" }]);
    expect(await cert.isSelfSigned()).toBe(true);
  });
});

describe("X509-SVID issuance", () => {
  it("issues a leaf that openssl verifies against the root and not against a foreign CA", async () => {
    const { csrPem } = opensslCsr(dir, "ok", { san: `URI:${ID}` });
    const leaf = await issue(csrPem);
    expect(opensslVerify(dir, "ok", root.certificate.toString("pem"), leaf.toString("pem"))).toMatchObject({ ok: true });
    const foreign = opensslCa(dir, "foreign");
    const bad = opensslVerify(dir, "bad", foreign.certPem, leaf.toString("pem"));
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/unable to get local issuer certificate/);
  });

  it("sets exactly the SPIFFE extensions", async () => {
    const leaf = await issue(opensslCsr(dir, "ext", { san: `URI:${ID}` }).csrPem);
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension)!;
    expect(san.names.toJSON()).toEqual([{ type: "url", value: ID }]);
    // The SPIFFE ID is the subject's CN too, where Cloudflare's cf.tlsClientAuth can see it.
    expect(leaf.subject).toBe(`CN=${ID}, O=Isthmus`);
    const ku = leaf.getExtension(x509.KeyUsagesExtension)!;
    expect([ku.critical, ku.usages]).toEqual([true, x509.KeyUsageFlags.digitalSignature]);
    const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension)!;
    expect(eku.usages).toEqual([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
    const bc = leaf.getExtension(x509.BasicConstraintsExtension)!;
    expect([bc.ca, bc.critical]).toEqual([false, true]);
    expect(leaf.getExtension(x509.SubjectKeyIdentifierExtension)).toBeTruthy();
    const aki = leaf.getExtension(x509.AuthorityKeyIdentifierExtension)!;
    expect(aki.keyId).toBe(root.certificate.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
    const hours = (leaf.notAfter.getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    expect(leaf.serialNumber).toMatch(/^[0-7][0-9a-f]{31}$/);
  });

  it("puts the attested ID in when the CSR has no SAN; RSA 2048 gets keyEncipherment", async () => {
    const leaf = await issue(opensslCsr(dir, "nosan", { san: null, key: "rsa2048" }).csrPem);
    expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON()).toEqual([{ type: "url", value: ID }]);
    expect(leaf.getExtension(x509.KeyUsagesExtension)!.usages).toBe(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    );
  });

  it("refuses bad CSRs with the cause named", async () => {
    expect(await csrProblem(opensslCsr(dir, "other", { san: "URI:spiffe://example.org/ns/default/sa/admin" }).csrPem)).toMatch(
      /^csr_identity_mismatch: .*sa\/admin.*sa\/reviews/,
    );
    expect(await csrProblem(opensslCsr(dir, "two", { san: `URI:${ID},URI:spiffe://example.org/x` }).csrPem)).toMatch(
      /^csr_invalid_san: .*2 URI SANs/,
    );
    expect(await csrProblem(opensslCsr(dir, "dns", { san: `URI:${ID},DNS:evil.com` }).csrPem)).toMatch(
      /^csr_invalid_san: .*dns:evil.com/,
    );
    expect(await csrProblem(opensslCsr(dir, "weak", { san: `URI:${ID}`, key: "rsa1024" }).csrPem)).toMatch(
      /^csr_weak_key: RSA key of 1024 bits/,
    );
    expect(await csrProblem(opensslCsr(dir, "k1", { san: `URI:${ID}`, key: "ec-secp256k1" }).csrPem)).toMatch(
      /^csr_weak_key|^csr_malformed/,
    );
    expect(await csrProblem("garbage bytes \u0000\u0001")).toMatch(/^csr_malformed: body is not a PKCS#10/);
    expect(await csrProblem("")).toMatch(/^csr_malformed: request body is empty/);
    expect(await csrProblem("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")).toMatch(
      /^csr_malformed/,
    );
  });

  it("refuses a CSR whose signature does not verify", async () => {
    const { csrPem } = opensslCsr(dir, "sig", { san: `URI:${ID}` });
    const der = Uint8Array.from(atob(csrPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")), (c) => c.charCodeAt(0));
    const subject = der.findIndex((b, i) => b === 0x78 && der[i - 1] === 0x01 && der[i - 2] === 0x0c); // UTF8String "x"
    der[subject] = 0x79; // O=x becomes O=y: the signed part changed
    expect(await csrProblem(der)).toMatch(/^csr_bad_signature/);
    // and as DER bytes straight in, an intact CSR is accepted
    const intact = Uint8Array.from(atob(csrPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")), (c) => c.charCodeAt(0));
    const csr = await parseCsr(intact);
    expect(csr.publicKey.algorithm.name).toBe("ECDSA");
  });

  it("mesh-issued client certificates pass a Node https server that refuses foreign ones", async () => {
    const serverCsr = opensslCsr(dir, "srv", { san: "URI:spiffe://example.org/ns/default/sa/server" });
    const server = await issue(serverCsr.csrPem, "spiffe://example.org/ns/default/sa/server");
    const client = opensslCsr(dir, "cli", { san: `URI:${ID}` });
    const clientCert = await issue(client.csrPem);
    const foreignCa = opensslCa(dir, "rogue");
    const rogue = opensslCsr(dir, "rogue-cli", { san: `URI:${ID}` });
    const rogueCert = opensslSign(dir, "rogue-cli", rogue.csrPem, foreignCa);
    const rootPem = root.certificate.toString("pem");

    const seen: string[] = [];
    const https = createServer(
      { key: serverCsr.keyPem, cert: server.toString("pem"), ca: rootPem, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        seen.push(peer.subjectaltname ?? "");
        res.end("ok");
      },
    );
    await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
    const port = (https.address() as AddressInfo).port;
    const call = (key: string, cert: string) =>
      new Promise<string>((resolve) => {
        const req = request(
          { host: "127.0.0.1", port, path: "/", key, cert, ca: rootPem, checkServerIdentity: () => undefined },
          (res) => {
            res.resume();
            res.on("end", () => resolve(`status ${res.statusCode}`));
          },
        );
        req.on("error", (err) => resolve(`error ${err.message}`));
        req.end();
      });
    try {
      expect(await call(client.keyPem, clientCert.toString("pem"))).toBe("status 200");
      expect(seen).toEqual([`URI:${ID}`]);
      expect(await call(rogue.keyPem, rogueCert)).toMatch(/^error/);
      expect(seen).toHaveLength(1);
    } finally {
      https.close();
    }
  });
});

describe("operator-supplied CA material", () => {
  it("accepts an openssl root and an intermediate chained to it, refuses mismatches", async () => {
    const op = opensslCa(dir, "operator");
    const pkcs8 = execFileSync("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", op.keyFile], { encoding: "utf8" });
    const now = new Date();
    const { authority } = await importOperatorAuthority({ certificate: op.certPem, privateKey: pkcs8 }, "root", TD, now);
    const leaf = await issue(opensslCsr(dir, "op-leaf", { san: `URI:${ID}` }).csrPem, ID, authority);
    expect(opensslVerify(dir, "op", op.certPem, leaf.toString("pem")).ok).toBe(true);

    const wrongKey = opensslCa(dir, "other");
    const otherPkcs8 = execFileSync("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", wrongKey.keyFile], { encoding: "utf8" });
    await expect(importOperatorAuthority({ certificate: op.certPem, privateKey: otherPkcs8 }, "root", TD, now)).rejects.toThrow(
      /does not belong/,
    );
    await expect(importOperatorAuthority({ certificate: op.certPem, privateKey: op.keyPem.replace("PRIVATE KEY", "EC PRIVATE KEY") }, "root", TD, now)).rejects.toThrow(
      InvalidCaMaterialError,
    );
    // an intermediate signed by our generated root
    await expect(
      importOperatorAuthority({ certificate: op.certPem, privateKey: pkcs8, rootCertificate: root.certificate.toString("pem") }, "intermediate", TD, now),
    ).rejects.toThrow(/not issued by rootCertificate/);
  });
});

