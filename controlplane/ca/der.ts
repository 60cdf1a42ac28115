// Just enough DER (X.690) for the CA's hot path: reading a CSR's fields and writing a leaf
// certificate around constant parts. Reading is strict: one-byte tags, definite minimal
// lengths, every element inside its parent; anything else reads as null.

/** One element: its tag, where it starts, and where its contents start and end. */
export interface Element {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/** The element at `offset`, which must end by `limit`; null if not strict DER. */
export function readElement(bytes: Uint8Array, offset: number, limit = bytes.length): Element | null {
  if (offset + 2 > limit) return null;
  const tag = bytes[offset];
  if ((tag & 0x1f) === 0x1f) return null; // multi-byte tag numbers: none in what we read
  let length = bytes[offset + 1];
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // At most 3 length bytes (16 MiB); the first non-zero and long form only from 128 up.
    if (count === 0 || count > 3 || contentStart + count > limit || bytes[contentStart] === 0) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i];
    if (length < 0x80) return null;
    contentStart += count;
  }
  const end = contentStart + length;
  return end > limit ? null : { tag, start: offset, contentStart, end };
}

/** The elements inside `parent`, which must fill it exactly; null if any is not strict DER. */
export function readChildren(bytes: Uint8Array, parent: Element): Element[] | null {
  const children: Element[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readElement(bytes, offset, parent.end);
    if (!child) return null;
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** The contents of an element. */
export function contentsOf(bytes: Uint8Array, element: Element): Uint8Array {
  return bytes.subarray(element.contentStart, element.end);
}

/** The whole element, tag and length included. */
export function encodingOf(bytes: Uint8Array, element: Element): Uint8Array {
  return bytes.subarray(element.start, element.end);
}

/** True if the element's contents are exactly `expected` (an OID's body, say). */
export function contentsEqual(bytes: Uint8Array, element: Element, expected: Uint8Array): boolean {
  if (element.end - element.contentStart !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[element.contentStart + i] !== expected[i]) return false;
  return true;
}

/** Bytes from hex, for constant encodings written out in the source. */
export function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** An element of `tag` around the concatenated `parts`, with a minimal length. */
export function element(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const header = length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : 5;
  const out = new Uint8Array(header + length);
  out[0] = tag;
  if (header === 2) out[1] = length;
  else {
    out[1] = 0x80 | (header - 2);
    for (let i = header - 1, rest = length; i >= 2; i--, rest = Math.floor(rest / 256)) out[i] = rest & 0xff;
  }
  let offset = header;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A non-negative INTEGER element from unsigned big-endian bytes, in its minimal form. */
export function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  if (trimmed[0] & 0x80) {
    const padded = new Uint8Array(trimmed.length + 1);
    padded.set(trimmed, 1);
    return element(0x02, padded);
  }
  return element(0x02, trimmed);
}
