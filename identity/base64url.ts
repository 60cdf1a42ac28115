// base64url (RFC 4648 section 5, no padding) for JWS, working in Workers and Node alike.

const NON_ASCII = /[^\x00-\x7f]/;

/** Encodes bytes or a UTF-8 string as unpadded base64url. */
export function base64urlEncode(data: Uint8Array | ArrayBuffer | string): string {
  // An ASCII string is its own UTF-8: btoa takes it as is (the CA encodes JWT claims per token).
  let binary: string;
  if (typeof data === "string" && !NON_ASCII.test(data)) binary = data;
  else {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data as ArrayBuffer);
    binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
    }
  }
  const base64 = btoa(binary);
  let end = base64.length;
  while (end > 0 && base64.charCodeAt(end - 1) === 61 /* = */) end--;
  return base64.slice(0, end).replace(/[+/]/g, (c) => (c === "+" ? "-" : "_"));
}

/** Decodes strict unpadded base64url; returns null on any character outside the alphabet. */
export function base64urlDecode(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  try {
    const binary = atob(b64);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}
