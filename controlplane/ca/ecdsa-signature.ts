// ECDSA signatures in two shapes: WebCrypto's r||s (IEEE P1363) and X.509's DER
// ECDSA-Sig-Value, SEQUENCE { INTEGER r, INTEGER s }.
import { contentsOf, element, readChildren, readElement, unsignedInteger } from "./der";

/** The DER form of a WebCrypto signature, as a certificate carries it. */
export function derSignatureOf(p1363: Uint8Array): Uint8Array {
  const half = p1363.length / 2;
  return element(0x30, unsignedInteger(p1363.subarray(0, half)), unsignedInteger(p1363.subarray(half)));
}

/** The r||s form WebCrypto verifies, each `size` bytes; null unless strict DER with r, s in range. */
export function p1363SignatureOf(der: Uint8Array, size: number): Uint8Array | null {
  const sequence = readElement(der, 0);
  if (!sequence || sequence.tag !== 0x30 || sequence.end !== der.length) return null;
  const parts = readChildren(der, sequence);
  if (!parts || parts.length !== 2) return null;
  const out = new Uint8Array(2 * size);
  for (let i = 0; i < 2; i++) {
    if (parts[i].tag !== 0x02) return null;
    let value = contentsOf(der, parts[i]);
    // Positive and minimal: a leading zero only where the next byte has its top bit set.
    if (value.length === 0 || value[0] & 0x80) return null;
    if (value[0] === 0) {
      if (value.length === 1 || !(value[1] & 0x80)) return null;
      value = value.subarray(1);
    }
    if (value.length > size) return null;
    out.set(value, (i + 1) * size - value.length);
  }
  return out;
}
