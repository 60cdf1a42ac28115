// Serving certificates for the gateway's TLS listener: a leaf for host names an operator
// names (admin only), so clients that trust the mesh root can reach the gateway over HTTPS
// without a credential of their own. Not an SVID: no SPIFFE ID, server auth only.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { z } from "zod";
import { randomSerial, signingAlgorithmOf, type SigningAuthority } from "./authority";

x509.cryptoProvider.set(crypto);

// A DNS name, or one with a leading `*.` label (a Gateway host such as `*.example.com`).
const DNS_NAME = /^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export const servingCertificateSchema = z.strictObject({
  /** The PEM PKCS#10 request: only its key is used; the names are the ones below. */
  csr: z.string().min(1).max(16 * 1024),
  dnsNames: z.array(z.string().max(253).regex(DNS_NAME, "must be a lower-case DNS name, optionally with a leading '*.' label")).min(1, "must name at least one host").max(100),
  ipAddresses: z.array(z.string().regex(IPV4, "must be an IPv4 address")).max(8).optional(),
  ttlSeconds: z.number().int().min(60).max(30 * 86_400).optional(),
});

export type ServingCertificateRequest = z.infer<typeof servingCertificateSchema>;

export const servingCertificateResultSchema = z.object({ chain: z.string(), expiresAt: z.string() });

export interface ServingLeafRequest {
  publicKey: x509.PublicKey;
  dnsNames: string[];
  ipAddresses: string[];
  issuer: SigningAuthority;
  ttlSeconds: number;
  now: Date;
}

/** Signs a serving leaf: CN = the first name, DNS and IP SANs, EKU serverAuth, never outliving its issuer. */
export async function issueServingLeaf({ publicKey, dnsNames, ipAddresses, issuer, ttlSeconds, now }: ServingLeafRequest): Promise<x509.X509Certificate> {
  const isRsa = publicKey.algorithm.name !== "ECDSA";
  const usages = x509.KeyUsageFlags.digitalSignature | (isRsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  const ski = issuer.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${dnsNames[0]}, O=Isthmus`,
    issuer: issuer.certificate.subjectName,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(Math.min(now.getTime() + ttlSeconds * 1000, issuer.certificate.notAfter.getTime())),
    publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: signingAlgorithmOf(issuer.keyAlgorithm),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...dnsNames.map((value) => ({ type: "dns" as const, value })),
        ...ipAddresses.map((value) => ({ type: "ip" as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      ski ? new x509.AuthorityKeyIdentifierExtension(ski.keyId) : await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate.publicKey),
    ],
  });
}
