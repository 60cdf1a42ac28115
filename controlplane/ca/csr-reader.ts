// A direct reader for the CSRs workloads send: PKCS#10 with an EC P-256/P-384 or RSA
// (>= 2048 bits) key, signed ECDSA or PKCS#1 v1.5 with SHA-256/384/512, and at most URI SANs.
// It finds the fields by their DER offsets: @peculiar/x509 spent ~2 ms of CPU per CSR in
// Node building objects for them and verifying. Anything outside that shape reads as null
// and is left to the library, which also words every refusal.
import { contentsEqual, contentsOf, encodingOf, hexBytes, readChildren, readElement, type Element } from "./der";
import { p1363SignatureOf } from "./ecdsa-signature";

/** What issuance needs from a CSR, before its signature is checked. */
export interface CsrFields {
  /** The signed part, CertificationRequestInfo. */
  signed: Uint8Array;
  /** SubjectPublicKeyInfo, as the CSR encodes it. */
  spki: Uint8Array;
  key: { name: "ECDSA"; namedCurve: "P-256" | "P-384" } | { name: "RSASSA-PKCS1-v1_5"; modulusLength: number };
  /** The hash of the CSR's signature algorithm, and the signature in WebCrypto's form. */
  hash: "SHA-256" | "SHA-384" | "SHA-512";
  signature: Uint8Array;
  /** The URI SANs asked for (none: no SAN extension). */
  uris: string[];
}

const OID = 0x06;
const SEQUENCE = 0x30;
const SET = 0x31;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const URI_NAME = 0x86;

const EC_PUBLIC_KEY = hexBytes("2a8648ce3d0201");
const CURVES = [
  { oid: hexBytes("2a8648ce3d030107"), namedCurve: "P-256", size: 32 },
  { oid: hexBytes("2b81040022"), namedCurve: "P-384", size: 48 },
] as const;
const RSA_ENCRYPTION = hexBytes("2a864886f70d010101");
const ECDSA_HASHES = [
  { oid: hexBytes("2a8648ce3d040302"), hash: "SHA-256" },
  { oid: hexBytes("2a8648ce3d040303"), hash: "SHA-384" },
  { oid: hexBytes("2a8648ce3d040304"), hash: "SHA-512" },
] as const;
const RSA_HASHES = [
  { oid: hexBytes("2a864886f70d01010b"), hash: "SHA-256" },
  { oid: hexBytes("2a864886f70d01010c"), hash: "SHA-384" },
  { oid: hexBytes("2a864886f70d01010d"), hash: "SHA-512" },
] as const;
const EXTENSION_REQUEST = hexBytes("2a864886f70d01090e");
const SUBJECT_ALT_NAME = hexBytes("551d11");
const NULL = hexBytes("0500");

/** The fields of a DER CSR in the common shape, or null for the library to judge. */
export function readCsr(der: Uint8Array): CsrFields | null {
  const top = readElement(der, 0);
  if (!top || top.tag !== SEQUENCE || top.end !== der.length) return null;
  const parts = readChildren(der, top);
  if (!parts || parts.length !== 3 || parts[0].tag !== SEQUENCE || parts[1].tag !== SEQUENCE || parts[2].tag !== BIT_STRING) return null;
  const info = readChildren(der, parts[0]);
  // version 0, subject, subjectPKInfo, [0] attributes
  if (!info || info.length !== 4 || !contentsEqual(der, info[0], Uint8Array.of(0)) || info[0].tag !== 0x02) return null;
  if (!isName(der, info[1]) || info[2].tag !== SEQUENCE || info[3].tag !== 0xa0) return null;
  const key = keyOf(der, info[2]);
  const algorithm = key && signatureAlgorithmOf(der, parts[1], key.algorithm.name);
  const bits = bitStringOf(der, parts[2]);
  const uris = requestedUris(der, info[3]);
  if (!key || !algorithm || !bits || !uris) return null;
  // ECDSA signatures are DER in a CSR, r||s of the curve's size for WebCrypto.
  const signature = key.pointSize ? p1363SignatureOf(bits, key.pointSize) : bits;
  if (!signature) return null;
  return { signed: encodingOf(der, parts[0]), spki: encodingOf(der, info[2]), key: key.algorithm, hash: algorithm, signature, uris };
}

/**
 * A Name: SEQUENCE OF SET OF { OID, value }. The subject is not copied into the leaf, but
 * a CSR the library would call malformed must not pass here.
 */
function isName(der: Uint8Array, name: Element): boolean {
  if (name.tag !== SEQUENCE) return false;
  const rdns = readChildren(der, name);
  return !!rdns && rdns.every((rdn) => {
    const attributes = rdn.tag === SET ? readChildren(der, rdn) : null;
    return !!attributes && attributes.length > 0 && attributes.every((attribute) => {
      const parts = attribute.tag === SEQUENCE ? readChildren(der, attribute) : null;
      return !!parts && parts.length === 2 && parts[0].tag === OID;
    });
  });
}

/** The bytes of a BIT STRING with no unused bits. */
function bitStringOf(der: Uint8Array, bitString: Element): Uint8Array | null {
  const bits = contentsOf(der, bitString);
  return bits.length > 1 && bits[0] === 0 ? bits.subarray(1) : null;
}

/** The key's algorithm, and for EC the byte size of a coordinate (0 for RSA). */
function keyOf(der: Uint8Array, spki: Element): { algorithm: CsrFields["key"]; pointSize: number } | null {
  const parts = readChildren(der, spki);
  if (!parts || parts.length !== 2 || parts[0].tag !== SEQUENCE || parts[1].tag !== BIT_STRING) return null;
  const algorithm = readChildren(der, parts[0]);
  if (!algorithm || algorithm.length !== 2 || algorithm[0].tag !== OID) return null;
  const bits = bitStringOf(der, parts[1]);
  if (!bits) return null;
  if (contentsEqual(der, algorithm[0], EC_PUBLIC_KEY)) {
    if (algorithm[1].tag !== OID) return null;
    const curve = CURVES.find((c) => contentsEqual(der, algorithm[1], c.oid));
    // An uncompressed point: 0x04, x, y.
    if (!curve || bits.length !== 1 + 2 * curve.size || bits[0] !== 0x04) return null;
    return { algorithm: { name: "ECDSA", namedCurve: curve.namedCurve }, pointSize: curve.size };
  }
  if (contentsEqual(der, algorithm[0], RSA_ENCRYPTION) && sameBytes(encodingOf(der, algorithm[1]), NULL)) {
    const rsaKey = readElement(bits, 0);
    const numbers = rsaKey && rsaKey.tag === SEQUENCE && rsaKey.end === bits.length ? readChildren(bits, rsaKey) : null;
    if (!numbers || numbers.length !== 2 || numbers[0].tag !== 0x02 || numbers[1].tag !== 0x02) return null;
    const modulus = contentsOf(bits, numbers[0]);
    // Counted as @peculiar/x509 counts it (whole bytes), so both readers refuse the same keys.
    const modulusLength = (modulus[0] === 0 ? modulus.length - 1 : modulus.length) * 8;
    return modulusLength >= 2048 ? { algorithm: { name: "RSASSA-PKCS1-v1_5", modulusLength }, pointSize: 0 } : null;
  }
  return null;
}

function signatureAlgorithmOf(der: Uint8Array, identifier: Element, keyName: string): CsrFields["hash"] | null {
  const parts = readChildren(der, identifier);
  if (!parts || parts[0]?.tag !== OID) return null;
  if (keyName === "ECDSA") {
    // ecdsa-with-SHA* take no parameters.
    return parts.length === 1 ? (ECDSA_HASHES.find((h) => contentsEqual(der, parts[0], h.oid))?.hash ?? null) : null;
  }
  if (parts.length !== 2 || !sameBytes(encodingOf(der, parts[1]), NULL)) return null;
  return RSA_HASHES.find((h) => contentsEqual(der, parts[0], h.oid))?.hash ?? null;
}

/**
 * The URI SANs in the CSR's extensionRequest; [] without one. Null when the SAN asks for
 * any other name type or the attributes are not plain: the library then words the refusal.
 */
function requestedUris(der: Uint8Array, attributes: Element): string[] | null {
  const list = readChildren(der, attributes);
  if (!list) return null;
  let uris: string[] = [];
  let seenRequest = false;
  for (const attribute of list) {
    const parts = attribute.tag === SEQUENCE ? readChildren(der, attribute) : null;
    if (!parts || parts.length !== 2 || parts[0].tag !== OID || parts[1].tag !== SET) return null;
    if (!contentsEqual(der, parts[0], EXTENSION_REQUEST)) continue;
    const values = readChildren(der, parts[1]);
    if (seenRequest || !values || values.length !== 1 || values[0].tag !== SEQUENCE) return null;
    seenRequest = true;
    const extensions = readChildren(der, values[0]);
    if (!extensions) return null;
    let seenSan = false;
    for (const extension of extensions) {
      const fields = extension.tag === SEQUENCE ? readChildren(der, extension) : null;
      if (!fields || fields.length < 2 || fields.length > 3 || fields[0].tag !== OID || fields[fields.length - 1].tag !== OCTET_STRING) return null;
      if (fields.length === 3 && fields[1].tag !== 0x01) return null;
      if (!contentsEqual(der, fields[0], SUBJECT_ALT_NAME)) continue;
      if (seenSan) return null;
      seenSan = true;
      const names = urisOf(contentsOf(der, fields[fields.length - 1]));
      if (!names) return null;
      uris = names;
    }
  }
  return uris;
}

function urisOf(san: Uint8Array): string[] | null {
  const names = readElement(san, 0);
  if (!names || names.tag !== SEQUENCE || names.end !== san.length) return null;
  const list = readChildren(san, names);
  if (!list || list.length === 0) return null;
  const uris: string[] = [];
  for (const name of list) {
    if (name.tag !== URI_NAME) return null;
    const bytes = contentsOf(san, name);
    // IA5String: ASCII only.
    if (bytes.some((b) => b > 0x7e || b < 0x20)) return null;
    uris.push(String.fromCharCode(...bytes));
  }
  return uris;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
