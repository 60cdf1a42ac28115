import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { execFileSync } from "node:child_process";
import { X509Certificate as NodeCertificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { opensslCsr, opensslVerify, scratchDir } from "../../test/support/openssl";
import { generateRoot, importOperatorAuthority, signingAlgorithmOf, type SigningAuthority } from "./authority";
import { readChildren, readElement } from "./der";
import { certificatePem, leafTemplateOf, signLeaf, type LeafFields } from "./leaf-template";
import { parseCsr, type CertificateRequest } from "./x509-svid";

x509.cryptoProvider.set(crypto);

const TD = "example.org";
const ID = "spiffe://example.org/ns/default/sa/reviews";
const dir = scratchDir();
let generated: SigningAuthority;

beforeAll(async () => {
  generated = await generateRoot(TD, new Date());
});

/** An operator CA made by openssl: `key` picks its algorithm; `days` and `extra` openssl arguments. */
async function operatorCa(name: string, key: string[], { days = 30, extra = [] as string[], now = new Date() } = {}) {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  execFileSync("openssl", [
    "req", "-x509", ...key, "-nodes", "-keyout", keyFile, "-out", certFile, "-days", String(days), "-subj", `/C=DE/O=${name} Corp/CN=${name} CA`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", ...extra,
  ], { stdio: "pipe" });
  const pkcs8 = execFileSync("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", keyFile], { encoding: "utf8" });
  const { authority } = await importOperatorAuthority({ certificate: readFileSync(certFile, "utf8"), privateKey: pkcs8 }, "root", TD, now);
  return authority;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
const P384 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1"];
const RSA = ["-newkey", "rsa:2048"];

/** The leaf as @peculiar/x509 built it before the template, for the same serial, times and key. */
async function libraryLeaf(issuer: SigningAuthority, csr: CertificateRequest, fields: LeafFields): Promise<x509.X509Certificate> {
  const usages = x509.KeyUsageFlags.digitalSignature | (fields.isRsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  const ski = issuer.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  return x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(fields.serial).toString("hex"),
    subject: `CN=${fields.spiffeId}, O=Isthmus`,
    issuer: issuer.certificate.subjectName,
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
    publicKey: csr.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: signingAlgorithmOf(issuer.keyAlgorithm),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: fields.spiffeId }]),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
      ski ? new x509.AuthorityKeyIdentifierExtension(ski.keyId) : await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate.publicKey),
    ],
  });
}

/** The TBSCertificate of a DER certificate, and its signatureAlgorithm, byte for byte. */
function signedParts(der: Uint8Array): { tbs: string; algorithm: string } {
  const top = readElement(der, 0)!;
  const [tbs, algorithm] = readChildren(der, top)!;
  const hex = (e: { start: number; end: number }) => Buffer.from(der.subarray(e.start, e.end)).toString("hex");
  return { tbs: hex(tbs), algorithm: hex(algorithm) };
}

interface Case {
  name: string;
  issuer: () => Promise<SigningAuthority>;
  csrKey?: "ec" | "rsa2048";
  spiffeId?: string;
  now?: Date;
  ttlSeconds?: number;
}

const serial = Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? 0x7f : 0xf0 + i));

async function issueBoth(c: Case) {
  const issuer = await c.issuer();
  const spiffeId = c.spiffeId ?? ID;
  const { csrPem } = opensslCsr(dir, c.name.replace(/\W+/g, "-"), { san: `URI:${spiffeId}`, key: c.csrKey ?? "ec" });
  const csr = await parseCsr(new TextEncoder().encode(csrPem));
  const now = c.now ?? new Date();
  const fields: LeafFields = {
    serial,
    spiffeId,
    spki: csr.spki,
    isRsa: csr.isRsa,
    // Milliseconds on purpose: both must drop them the same way.
    notBefore: new Date(now.getTime() - 60_123),
    notAfter: new Date(Math.min(now.getTime() + (c.ttlSeconds ?? 86_400) * 1000 + 789, issuer.certificate.notAfter.getTime())),
  };
  const leaf = await signLeaf(await leafTemplateOf(issuer), fields);
  const reference = await libraryLeaf(issuer, csr, fields);
  return { issuer, spiffeId, leaf, reference };
}

const cases: Case[] = [
  { name: "generated root, EC P-256 CSR", issuer: async () => generated },
  { name: "generated root, RSA 2048 CSR (keyEncipherment)", issuer: async () => generated, csrKey: "rsa2048" },
  { name: "'_' in the ID: a UTF8String CN", issuer: async () => generated, spiffeId: "spiffe://example.org/ns/team_a/sa/svc_1" },
  { name: "a 600-byte ID: long-form lengths", issuer: async () => generated, spiffeId: `spiffe://example.org/ns/default/sa/${"a".repeat(565)}` },
  { name: "openssl EC root (C, O, CN subject; its own SKI)", issuer: () => operatorCa("opec", EC) },
  { name: "openssl root without SKI (AKI from its key)", issuer: () => operatorCa("noski", EC, { extra: ["-addext", "subjectKeyIdentifier=none"] }) },
  { name: "openssl P-384 root (ecdsa-with-SHA384)", issuer: () => operatorCa("p384", P384) },
  { name: "openssl RSA root (sha256WithRSAEncryption)", issuer: () => operatorCa("rsa", RSA) },
  { name: "leaf capped at its issuer's notAfter", issuer: () => operatorCa("short", EC, { days: 1 }), ttlSeconds: 7 * 86_400 },
  {
    name: "notBefore in 2049 (UTCTime), notAfter in 2050 (GeneralizedTime)",
    issuer: () => operatorCa("far", EC, { days: 40_000, now: new Date("2049-12-31T23:30:00Z") }),
    now: new Date("2049-12-31T23:30:00Z"),
    ttlSeconds: 3600,
  },
];

describe("leaf template: the same certificate @peculiar/x509 built", () => {
  for (const c of cases) {
    it(`${c.name}: TBSCertificate byte for byte`, async () => {
      const { leaf, reference } = await issueBoth(c);
      expect(signedParts(leaf.der)).toEqual(signedParts(new Uint8Array(reference.rawData)));
      expect(leaf.notAfter.getTime()).toBe(reference.notAfter.getTime());
      expect(leaf.pem).toBe(new x509.X509Certificate(leaf.der).toString("pem"));
    });
  }

  it("reads the same in @peculiar/x509 and Node, chains to its issuer, and openssl verifies it", async () => {
    for (const c of [cases[0], cases[1], cases[4], cases[6], cases[7]]) {
      const { issuer, spiffeId, leaf } = await issueBoth(c);
      const parsed = new x509.X509Certificate(leaf.der);
      expect(parsed.subject).toBe(`CN=${spiffeId}, O=Isthmus`);
      expect(parsed.issuer).toBe(issuer.certificate.subject);
      expect(parsed.serialNumber).toBe(Buffer.from(serial).toString("hex"));
      expect(await parsed.verify({ publicKey: issuer.certificate.publicKey, signatureOnly: true })).toBe(true);
      expect(parsed.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON()).toEqual([{ type: "url", value: spiffeId }]);
      const bc = parsed.getExtension(x509.BasicConstraintsExtension)!;
      expect([bc.ca, bc.critical]).toEqual([false, true]);
      const ku = parsed.getExtension(x509.KeyUsagesExtension)!;
      expect(ku.critical).toBe(true);
      expect(parsed.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
      const ski = parsed.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
      expect(ski).toBe(Buffer.from(await (await x509.SubjectKeyIdentifierExtension.create(parsed.publicKey)).keyId, "hex").toString("hex"));
      const issuerSki = issuer.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
      if (issuerSki) expect(parsed.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId).toBe(issuerSki);

      const node = new NodeCertificate(leaf.pem);
      const ca = new NodeCertificate(issuer.certificate.toString("pem"));
      expect(node.checkIssued(ca)).toBe(true);
      expect(node.verify(ca.publicKey)).toBe(true);
      expect(node.ca).toBe(false);
      expect(node.subjectAltName).toBe(`URI:${spiffeId}`);
      expect(node.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
      expect(new Date(node.validTo).getTime()).toBe(leaf.notAfter.getTime());
      expect(opensslVerify(dir, c.name.replace(/\W+/g, "-"), issuer.certificate.toString("pem"), leaf.pem)).toMatchObject({ ok: true });
    }
  });

  it("keeps one template per authority until the authority changes", async () => {
    expect(await leafTemplateOf(generated)).toBe(await leafTemplateOf(generated));
    const other = await generateRoot(TD, new Date());
    expect(await leafTemplateOf(other)).not.toBe(await leafTemplateOf(generated));
    expect((await leafTemplateOf(other)).issuer).not.toEqual((await leafTemplateOf(generated)).issuer);
  });

  it("writes PEM as @peculiar/x509 does, for any length", () => {
    for (const length of [1, 47, 48, 49, 300]) {
      const der = Uint8Array.from({ length }, (_, i) => (i * 37) & 0xff);
      expect(certificatePem(der)).toBe(x509.PemConverter.encode(der, "CERTIFICATE"));
    }
  });
});
