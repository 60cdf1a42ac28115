// X509-SVIDs written straight as DER around the parts that are the same for every leaf of
// one issuing authority (issuer name, signature algorithm, basic constraints, key usage,
// EKU, authority key ID), encoded once per authority with @peculiar/x509 itself. Per leaf
// only the serial, validity, subject, SAN, subject key ID and the CSR's key are written,
// then WebCrypto signs: ~0.2 ms of CPU in Node where the library's builder took ~6 ms.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { signingAlgorithmOf, type SigningAuthority } from "./authority";
import { contentsOf, element, encodingOf, hexBytes, readChildren, readElement } from "./der";
import { derSignatureOf } from "./ecdsa-signature";

x509.cryptoProvider.set(crypto);

/** A signed leaf: DER, PEM, and its notAfter as encoded (whole seconds). */
export interface IssuedLeaf {
  der: Uint8Array;
  pem: string;
  notAfter: Date;
}

/** What differs between two leaves of one authority. */
export interface LeafFields {
  /** 16 bytes, the first in 0x01..0x7f: a positive INTEGER with no padding. */
  serial: Uint8Array;
  spiffeId: string;
  /** SubjectPublicKeyInfo of the workload's key, copied as is. */
  spki: Uint8Array;
  /** RSA keys also get keyEncipherment. */
  isRsa: boolean;
  notBefore: Date;
  notAfter: Date;
}

/** The constant parts of one authority's leaves, encoded. */
export interface LeafTemplate {
  authority: SigningAuthority;
  signatureAlgorithm: Uint8Array;
  issuer: Uint8Array;
  basicConstraints: Uint8Array;
  keyUsageEc: Uint8Array;
  keyUsageRsa: Uint8Array;
  extendedKeyUsage: Uint8Array;
  authorityKeyId: Uint8Array;
}

const SIGNATURE_ALGORITHMS: Record<string, string> = {
  "ECDSA SHA-256": "300a06082a8648ce3d040302",
  "ECDSA SHA-384": "300a06082a8648ce3d040303",
  "RSASSA-PKCS1-v1_5 SHA-256": "300d06092a864886f70d01010b0500",
};
const VERSION_3 = hexBytes("a003020102");
const COMMON_NAME = hexBytes("0603550403");
const ORGANIZATION_ISTHMUS = hexBytes("3110300e060355040a1307497374686d7573"); // SET { O=Isthmus }
const SUBJECT_ALT_NAME = hexBytes("0603551d11");
const SUBJECT_KEY_ID = hexBytes("0603551d0e");
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

// One template per authority object, so it lives as long as the lifecycle keeps that
// authority unsealed (one key generation); callers need not carry it.
const templates = new WeakMap<SigningAuthority, Promise<LeafTemplate>>();

/** The template of `authority`, encoded on first use. */
export function leafTemplateOf(authority: SigningAuthority): Promise<LeafTemplate> {
  let template = templates.get(authority);
  if (!template) {
    template = encodeTemplate(authority);
    templates.set(authority, template);
    template.catch(() => templates.delete(authority));
  }
  return template;
}

async function encodeTemplate(authority: SigningAuthority): Promise<LeafTemplate> {
  const { certificate, keyAlgorithm } = authority;
  const signing = signingAlgorithmOf(keyAlgorithm);
  const signatureAlgorithm = SIGNATURE_ALGORITHMS[`${signing.name} ${signing.hash}`];
  if (!signatureAlgorithm) throw new Error(`no leaf signature algorithm for ${signing.name} ${signing.hash}`);
  const ski = certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = ski ? new x509.AuthorityKeyIdentifierExtension(ski.keyId) : await x509.AuthorityKeyIdentifierExtension.create(certificate.publicKey);
  const raw = (ext: x509.Extension) => new Uint8Array(ext.rawData);
  return {
    authority,
    signatureAlgorithm: hexBytes(signatureAlgorithm),
    issuer: subjectNameOf(new Uint8Array(certificate.rawData)),
    basicConstraints: raw(new x509.BasicConstraintsExtension(false, undefined, true)),
    keyUsageEc: raw(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)),
    keyUsageRsa: raw(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true)),
    extendedKeyUsage: raw(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth])),
    authorityKeyId: raw(aki),
  };
}

/** The subject Name of a certificate, byte for byte: a leaf's issuer must match it. */
function subjectNameOf(der: Uint8Array): Uint8Array {
  const certificate = readElement(der, 0);
  const tbs = certificate && readChildren(der, certificate)?.[0];
  const fields = tbs && readChildren(der, tbs);
  // [0] version, serial, signature, issuer, validity, subject
  if (!fields || fields.length < 6 || fields[0].tag !== 0xa0 || fields[5].tag !== 0x30) throw new Error("CA certificate has no v3 subject");
  return encodingOf(der, fields[5]);
}

/** Signs a leaf with the template's authority. */
export async function signLeaf(template: LeafTemplate, leaf: LeafFields): Promise<IssuedLeaf> {
  const { authority } = template;
  const cn = new TextEncoder().encode(leaf.spiffeId);
  // As @peculiar/x509 encodes a name string: PrintableString when it can be, else UTF8String.
  const cnType = PRINTABLE.test(leaf.spiffeId) ? 0x13 : 0x0c;
  const subject = element(0x30, element(0x31, element(0x30, COMMON_NAME, element(cnType, cn))), ORGANIZATION_ISTHMUS);
  const spkiBits = subjectPublicKeyOf(leaf.spki);
  const keyId = new Uint8Array(await crypto.subtle.digest("SHA-1", spkiBits));
  const extensions = element(
    0xa3,
    element(
      0x30,
      template.basicConstraints,
      leaf.isRsa ? template.keyUsageRsa : template.keyUsageEc,
      template.extendedKeyUsage,
      element(0x30, SUBJECT_ALT_NAME, element(0x04, element(0x30, element(0x86, cn)))),
      element(0x30, SUBJECT_KEY_ID, element(0x04, element(0x04, keyId))),
      template.authorityKeyId,
    ),
  );
  const notBefore = wholeSeconds(leaf.notBefore);
  const notAfter = wholeSeconds(leaf.notAfter);
  const tbs = element(
    0x30,
    VERSION_3,
    element(0x02, leaf.serial),
    template.signatureAlgorithm,
    template.issuer,
    element(0x30, timeOf(notBefore), timeOf(notAfter)),
    subject,
    leaf.spki,
    extensions,
  );
  const raw = new Uint8Array(await crypto.subtle.sign(signingAlgorithmOf(authority.keyAlgorithm), authority.privateKey, tbs));
  const signature = authority.keyAlgorithm.name === "ECDSA" ? derSignatureOf(raw) : raw;
  const der = element(0x30, tbs, template.signatureAlgorithm, element(0x03, Uint8Array.of(0), signature));
  return { der, pem: certificatePem(der), notAfter };
}

/** The key bits of a SubjectPublicKeyInfo: what a subject key ID hashes (RFC 5280 4.2.1.2). */
function subjectPublicKeyOf(spki: Uint8Array): Uint8Array {
  const top = readElement(spki, 0);
  const bits = top && readChildren(spki, top)?.[1];
  if (!bits || bits.tag !== 0x03) throw new Error("public key is not a SubjectPublicKeyInfo");
  return contentsOf(spki, bits).subarray(1);
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function timeOf(date: Date): Uint8Array {
  const text = date.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
  const year = date.getUTCFullYear();
  return year <= 2049 ? element(0x17, ascii(text.slice(2))) : element(0x18, ascii(text));
}

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** PEM as @peculiar/x509 writes it: 64 characters a line, no newline after the END line. */
export function certificatePem(der: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < der.length; i++) binary += String.fromCharCode(der[i]);
  const base64 = btoa(binary);
  const lines = ["-----BEGIN CERTIFICATE-----"];
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  lines.push("-----END CERTIFICATE-----");
  return lines.join("\n");
}
