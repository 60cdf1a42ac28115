// X509-SVID issuance from a PKCS#10 CSR (standards/X509-SVID.md): the workload keeps its
// key; the CA checks the request and signs a leaf for the attested SPIFFE ID only.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { randomSerial, signingAlgorithmOf, type SigningAuthority } from "./authority";

x509.cryptoProvider.set(crypto);

/** Why a CSR was refused. */
export type CsrProblem = "csr_malformed" | "csr_bad_signature" | "csr_weak_key" | "csr_identity_mismatch" | "csr_invalid_san";

/** A refused certificate signing request; `code` names the cause. */
export class CsrError extends Error {
  constructor(
    readonly code: CsrProblem,
    message: string,
  ) {
    super(message);
    this.name = "CsrError";
  }
}

const MAX_CSR_BYTES = 16 * 1024;
const SAN_OID = "2.5.29.17";

/** Parses a CSR given as PEM text or DER bytes and checks its self-signature. */
export async function parseCsr(body: Uint8Array): Promise<x509.Pkcs10CertificateRequest> {
  if (body.length === 0) throw new CsrError("csr_malformed", "request body is empty; send a PEM PKCS#10 CSR");
  if (body.length > MAX_CSR_BYTES) throw new CsrError("csr_malformed", `CSR is larger than ${MAX_CSR_BYTES} bytes`);
  const text = new TextDecoder().decode(body);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    if (text.includes("-----BEGIN")) {
      const m = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----([\s\S]+?)-----END (NEW )?CERTIFICATE REQUEST-----/.exec(text);
      if (!m) throw new Error("no CERTIFICATE REQUEST block");
      csr = new x509.Pkcs10CertificateRequest(Uint8Array.from(atob(m[2].replace(/\s+/g, "")), (c) => c.charCodeAt(0)));
    } else {
      csr = new x509.Pkcs10CertificateRequest(body);
    }
    // Touch the parts we rely on so structural damage surfaces here, as csr_malformed.
    void csr.publicKey.algorithm;
    void csr.extensions;
  } catch (err) {
    throw new CsrError("csr_malformed", `body is not a PKCS#10 certificate request (PEM or DER): ${(err as Error).message}`);
  }
  checkKey(csr.publicKey.algorithm);
  let signed = false;
  try {
    signed = await csr.verify();
  } catch {
    signed = false;
  }
  if (!signed) throw new CsrError("csr_bad_signature", "CSR signature does not verify with its own public key");
  return csr;
}

function checkKey(algorithm: { name: string }): void {
  const a = algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  if (a.name === "ECDSA") {
    if (a.namedCurve === "P-256" || a.namedCurve === "P-384") return;
    throw new CsrError("csr_weak_key", `EC key on curve ${a.namedCurve ?? "unknown"} is not accepted; use P-256 or P-384`);
  }
  if (a.name === "RSASSA-PKCS1-v1_5" || a.name === "RSA-PSS") {
    if ((a.modulusLength ?? 0) >= 2048) return;
    throw new CsrError("csr_weak_key", `RSA key of ${a.modulusLength} bits is too weak; at least 2048 bits required`);
  }
  throw new CsrError("csr_weak_key", `key algorithm ${a.name} is not accepted; use EC P-256/P-384 or RSA >= 2048`);
}

/**
 * The CSR must ask for exactly the attested SPIFFE ID as its only SAN, or for no SAN at all
 * (then the attested ID is used). Other SAN types are refused: the CA cannot vouch for them.
 */
export function checkRequestedIdentity(csr: x509.Pkcs10CertificateRequest, spiffeId: string): void {
  const ext = csr.getExtension(SAN_OID) as x509.SubjectAlternativeNameExtension | null;
  const names = ext?.names.items ?? [];
  if (names.length === 0) return;
  const others = names.filter((n) => n.type !== "url");
  if (others.length > 0) {
    throw new CsrError("csr_invalid_san", `CSR asks for ${others.map((n) => `${n.type}:${n.value}`).join(", ")}; only one URI SAN (the SPIFFE ID) is allowed`);
  }
  if (names.length > 1) throw new CsrError("csr_invalid_san", `CSR asks for ${names.length} URI SANs; exactly one is allowed`);
  if (names[0].value !== spiffeId) {
    throw new CsrError("csr_identity_mismatch", `CSR asks for ${names[0].value} but the caller is attested as ${spiffeId}`);
  }
}

export interface LeafRequest {
  csr: x509.Pkcs10CertificateRequest;
  spiffeId: string;
  issuer: SigningAuthority;
  ttlSeconds: number;
  now: Date;
}

/**
 * Signs the leaf: URI SAN = the SPIFFE ID (also the subject CN), critical keyUsage digitalSignature (plus
 * keyEncipherment for RSA keys), EKU serverAuth + clientAuth, critical basicConstraints
 * cA=false, SKI/AKI, random serial. It never outlives its issuer.
 */
export async function issueLeaf({ csr, spiffeId, issuer, ttlSeconds, now }: LeafRequest): Promise<x509.X509Certificate> {
  const isRsa = csr.publicKey.algorithm.name !== "ECDSA";
  const usages = x509.KeyUsageFlags.digitalSignature | (isRsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  const notAfter = new Date(Math.min(now.getTime() + ttlSeconds * 1000, issuer.certificate.notAfter.getTime()));
  const ski = issuer.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    // The requested subject is not attested, so it is not copied. The SPIFFE ID is also the
    // subject's CN: TLS terminators that show the subject but not the URI SAN (Cloudflare's
    // cf.tlsClientAuth) can then name the workload.
    subject: `CN=${spiffeId}, O=Isthmus`,
    issuer: issuer.certificate.subjectName,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    publicKey: csr.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: signingAlgorithmOf(issuer.keyAlgorithm),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: spiffeId }]),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
      ski
        ? new x509.AuthorityKeyIdentifierExtension(ski.keyId)
        : await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate.publicKey),
    ],
  });
}
