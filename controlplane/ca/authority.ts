// X.509 signing authorities: the generated root, and operator-supplied roots and
// intermediates (Istio's "plug in CA certificates"), checked before the CA will use them.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { trustDomainId, parseSpiffeId } from "../../identity/spiffe-id";

x509.cryptoProvider.set(crypto);

/** Import parameters of a CA private key, stored beside it. */
export type CaKeyAlgorithm =
  | { name: "ECDSA"; namedCurve: "P-256" | "P-384" }
  | { name: "RSASSA-PKCS1-v1_5"; hash: "SHA-256" };

/** A WebCrypto signature algorithm (named structurally: Workers and DOM typings differ). */
export type SignatureAlgorithm = { name: string; hash: string };

/** A signing authority ready to issue: its certificate and private key. */
export interface SigningAuthority {
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
  keyAlgorithm: CaKeyAlgorithm;
}

/** Raised when operator-supplied CA material is unusable; `message` names the problem. */
export class InvalidCaMaterialError extends Error {
  readonly code = "invalid_ca_material";
  constructor(message: string) {
    super(message);
    this.name = "InvalidCaMaterialError";
  }
}

const ROOT_YEARS = 10;
const P256: CaKeyAlgorithm = { name: "ECDSA", namedCurve: "P-256" };

/**
 * Generates a self-signed P-256 root: 10 years, critical basicConstraints cA=true, critical
 * keyUsage keyCertSign + cRLSign, and the trust domain's SPIFFE ID (no path) as URI SAN.
 * The private key is extractable only so it can be sealed for storage.
 */
export async function generateRoot(trustDomain: string, now: Date): Promise<SigningAuthority> {
  const keys = (await crypto.subtle.generateKey(P256, true, ["sign", "verify"])) as CryptoKeyPair;
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + ROOT_YEARS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    // A distinct name per root keeps old and new roots apart during rotation overlap.
    name: `CN=Isthmus root CA ${now.toISOString().slice(0, 19)}Z ${randomHex(3)}, O=Isthmus`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } as SignatureAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: trustDomainId(trustDomain) }]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificate, privateKey: keys.privateKey, keyAlgorithm: P256 };
}

/** Operator-supplied CA material: PEM certificate and PKCS#8 PEM private key. */
export interface OperatorCaInput {
  certificate: string;
  privateKey: string;
  /** For an intermediate: the root it chains to (goes into the trust bundle). */
  rootCertificate?: string;
}

/**
 * Checks operator material and returns the authority plus the root for the bundle. A root
 * must be self-signed; an intermediate must be signed by `rootCertificate`. Both must be
 * CA certificates with keyCertSign, currently valid, for this trust domain if they carry a
 * SPIFFE ID, and the key must match the certificate.
 */
export async function importOperatorAuthority(
  input: OperatorCaInput,
  kind: "root" | "intermediate",
  trustDomain: string,
  now: Date,
): Promise<{ authority: SigningAuthority; root: x509.X509Certificate }> {
  const certificate = parseCertificate(input.certificate, "certificate");
  checkCaCertificate(certificate, "certificate", trustDomain, now);
  let root = certificate;
  if (kind === "root") {
    if (!(await certificate.isSelfSigned())) {
      throw new InvalidCaMaterialError("certificate is not self-signed; upload it as an intermediate with its root");
    }
  } else {
    if (!input.rootCertificate) throw new InvalidCaMaterialError("rootCertificate is required for an intermediate");
    root = parseCertificate(input.rootCertificate, "rootCertificate");
    checkCaCertificate(root, "rootCertificate", trustDomain, now);
    if (!(await root.isSelfSigned())) throw new InvalidCaMaterialError("rootCertificate is not self-signed");
    const chained = await certificate.verify({ publicKey: root.publicKey, signatureOnly: true });
    if (!chained || certificate.issuer !== root.subject) {
      throw new InvalidCaMaterialError("certificate is not issued by rootCertificate");
    }
  }
  const keyAlgorithm = keyAlgorithmOf(certificate.publicKey.algorithm);
  const privateKey = await importPkcs8(input.privateKey, keyAlgorithm);
  await checkKeyMatches(privateKey, certificate, keyAlgorithm);
  return { authority: { certificate, privateKey, keyAlgorithm }, root };
}

/** Signature algorithm an authority with this key signs with. */
export function signingAlgorithmOf(keyAlgorithm: CaKeyAlgorithm): SignatureAlgorithm {
  if (keyAlgorithm.name === "ECDSA") return { name: "ECDSA", hash: keyAlgorithm.namedCurve === "P-384" ? "SHA-384" : "SHA-256" };
  return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
}

/** 16 random bytes as a positive DER integer (hex), as RFC 5280 and CA/B practice want. */
export function randomSerial(): string {
  return [...randomSerialBytes()].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The same serial as bytes: the first in 0x01..0x7f, so positive and with no padding byte. */
export function randomSerialBytes(): Uint8Array {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes;
}

function randomHex(n: number): string {
  return [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function parseCertificate(pem: string, field: string): x509.X509Certificate {
  if (typeof pem !== "string" || !pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new InvalidCaMaterialError(`${field} must be a PEM certificate`);
  }
  try {
    return new x509.X509Certificate(pem);
  } catch (err) {
    throw new InvalidCaMaterialError(`${field} is not a parseable certificate: ${(err as Error).message}`);
  }
}

function checkCaCertificate(cert: x509.X509Certificate, field: string, trustDomain: string, now: Date): void {
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) throw new InvalidCaMaterialError(`${field} is not a CA certificate (basicConstraints cA is not true)`);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  if (!ku || !(ku.usages & x509.KeyUsageFlags.keyCertSign)) {
    throw new InvalidCaMaterialError(`${field} lacks the keyCertSign key usage`);
  }
  if (cert.notAfter.getTime() <= now.getTime()) throw new InvalidCaMaterialError(`${field} expired at ${cert.notAfter.toISOString()}`);
  if (cert.notBefore.getTime() > now.getTime() + 300_000) {
    throw new InvalidCaMaterialError(`${field} is not valid before ${cert.notBefore.toISOString()}`);
  }
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  for (const name of san?.names.items ?? []) {
    if (name.type !== "url" || !name.value.toLowerCase().startsWith("spiffe://")) continue;
    let id;
    try {
      id = parseSpiffeId(name.value);
    } catch (err) {
      throw new InvalidCaMaterialError(`${field} URI SAN: ${(err as Error).message}`);
    }
    if (id.trustDomain !== trustDomain || id.path !== "") {
      throw new InvalidCaMaterialError(`${field} URI SAN ${name.value} is not ${trustDomainId(trustDomain)}`);
    }
  }
}

function keyAlgorithmOf(algorithm: { name: string }): CaKeyAlgorithm {
  const a = algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  if (a.name === "ECDSA" && (a.namedCurve === "P-256" || a.namedCurve === "P-384")) {
    return { name: "ECDSA", namedCurve: a.namedCurve };
  }
  if (a.name === "RSASSA-PKCS1-v1_5" && (a.modulusLength ?? 0) >= 2048) {
    return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  }
  throw new InvalidCaMaterialError(
    `CA key must be ECDSA P-256/P-384 or RSA of at least 2048 bits, not ${a.name}${a.namedCurve ? ` ${a.namedCurve}` : ""}${a.modulusLength ? ` ${a.modulusLength}` : ""}`,
  );
}

async function importPkcs8(pem: string, algorithm: CaKeyAlgorithm): Promise<CryptoKey> {
  if (typeof pem !== "string") throw new InvalidCaMaterialError("privateKey must be a PEM string");
  if (/-----BEGIN (EC|RSA) PRIVATE KEY-----/.test(pem)) {
    throw new InvalidCaMaterialError(
      "privateKey must be PKCS#8 (BEGIN PRIVATE KEY); convert with `openssl pkcs8 -topk8 -nocrypt`",
    );
  }
  const m = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pem);
  if (!m) throw new InvalidCaMaterialError("privateKey must be a PEM PKCS#8 private key (BEGIN PRIVATE KEY)");
  try {
    const der = Uint8Array.from(atob(m[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
    // Extractable so the CA can seal it for storage; it is never exported otherwise.
    return await crypto.subtle.importKey("pkcs8", der, algorithm, true, ["sign"]);
  } catch (err) {
    throw new InvalidCaMaterialError(`privateKey does not import as ${algorithm.name}: ${(err as Error).message}`);
  }
}

async function checkKeyMatches(privateKey: CryptoKey, cert: x509.X509Certificate, keyAlgorithm: CaKeyAlgorithm) {
  const probe = crypto.getRandomValues(new Uint8Array(32));
  const alg = signingAlgorithmOf(keyAlgorithm);
  const signature = await crypto.subtle.sign(alg, privateKey, probe);
  const publicKey = await cert.publicKey.export(keyAlgorithm, ["verify"]);
  if (!(await crypto.subtle.verify(alg, publicKey, signature, probe))) {
    throw new InvalidCaMaterialError("privateKey does not belong to certificate");
  }
}
