// X509-SVID issuance from a PKCS#10 CSR (standards/X509-SVID.md): the workload keeps its
// key; the CA checks the request and signs a leaf for the attested SPIFFE ID only.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { randomSerialBytes, type SigningAuthority } from "./authority";
import { readCsr, type CsrFields } from "./csr-reader";
import { leafTemplateOf, signLeaf, type IssuedLeaf } from "./leaf-template";

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
const PEM_CSR = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----([\s\S]+?)-----END (NEW )?CERTIFICATE REQUEST-----/;

/** A checked CSR: the key to certify and the names it asks for. */
export interface CertificateRequest {
  /** SubjectPublicKeyInfo DER, copied into the leaf as is. */
  spki: Uint8Array;
  isRsa: boolean;
  /** The SANs asked for, typed as @peculiar/x509 names them ("url", "dns", ...). */
  names: { type: string; value: string }[];
  /** The key as @peculiar/x509 reads it (serving certificates are built with it). */
  readonly publicKey: x509.PublicKey;
}

/**
 * Parses a CSR given as PEM text or DER bytes and checks its self-signature. Common CSRs
 * are read directly (csr-reader.ts); any other, and any the direct read does not accept,
 * go through @peculiar/x509, which refuses with the cause named.
 */
export async function parseCsr(body: Uint8Array): Promise<CertificateRequest> {
  if (body.length === 0) throw new CsrError("csr_malformed", "request body is empty; send a PEM PKCS#10 CSR");
  if (body.length > MAX_CSR_BYTES) throw new CsrError("csr_malformed", `CSR is larger than ${MAX_CSR_BYTES} bytes`);
  const text = new TextDecoder().decode(body);
  const der = text.includes("-----BEGIN") ? pemBody(text) : body;
  const fields = der && readCsr(der);
  if (fields && (await verifies(fields))) return requestOf(fields);
  return requestFromLibrary(await parseWithLibrary(body, text));
}

/** The DER inside a PEM CERTIFICATE REQUEST block; null if there is none or it is not base64. */
function pemBody(text: string): Uint8Array | null {
  const m = PEM_CSR.exec(text);
  if (!m) return null;
  let binary: string;
  try {
    binary = atob(m[2].replace(/\s+/g, ""));
  } catch {
    return null;
  }
  const der = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) der[i] = binary.charCodeAt(i);
  return der;
}

async function verifies(fields: CsrFields): Promise<boolean> {
  const { key, hash } = fields;
  const algorithm = key.name === "ECDSA" ? { name: "ECDSA", namedCurve: key.namedCurve } : { name: key.name, hash };
  try {
    const publicKey = await crypto.subtle.importKey("spki", fields.spki, algorithm, false, ["verify"]);
    return await crypto.subtle.verify({ name: key.name, hash }, publicKey, fields.signature, fields.signed);
  } catch {
    return false;
  }
}

function requestOf(fields: CsrFields): CertificateRequest {
  let publicKey: x509.PublicKey | null = null;
  return {
    spki: fields.spki,
    isRsa: fields.key.name !== "ECDSA",
    names: fields.uris.map((value) => ({ type: "url", value })),
    get publicKey() {
      return (publicKey ??= new x509.PublicKey(fields.spki));
    },
  };
}

function requestFromLibrary(csr: x509.Pkcs10CertificateRequest): CertificateRequest {
  const ext = csr.getExtension(SAN_OID) as x509.SubjectAlternativeNameExtension | null;
  return {
    spki: new Uint8Array(csr.publicKey.rawData),
    isRsa: csr.publicKey.algorithm.name !== "ECDSA",
    names: (ext?.names.items ?? []).map((n) => ({ type: n.type, value: n.value })),
    publicKey: csr.publicKey,
  };
}

async function parseWithLibrary(body: Uint8Array, text: string): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    if (text.includes("-----BEGIN")) {
      const m = PEM_CSR.exec(text);
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
export function checkRequestedIdentity(csr: CertificateRequest, spiffeId: string): void {
  const names = csr.names;
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
  csr: CertificateRequest;
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
export async function issueLeaf({ csr, spiffeId, issuer, ttlSeconds, now }: LeafRequest): Promise<IssuedLeaf> {
  // The requested subject is not attested, so it is not copied. The SPIFFE ID is also the
  // subject's CN: TLS terminators that show the subject but not the URI SAN (Cloudflare's
  // cf.tlsClientAuth) can then name the workload.
  return signLeaf(await leafTemplateOf(issuer), {
    serial: randomSerialBytes(),
    spiffeId,
    spki: csr.spki,
    isRsa: csr.isRsa,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(Math.min(now.getTime() + ttlSeconds * 1000, issuer.certificate.notAfter.getTime())),
  });
}
