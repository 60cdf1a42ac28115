// The server name (SNI) a TLS ClientHello asks for, read before the handshake so that the
// local gateway's HTTPS listener can hand the connection to the TLS server (certificate and
// client CA) of that host. RFC 8446 §4.1.2 and RFC 6066 §3; nothing else is interpreted.

/** A ClientHello larger than this is not waited for (TLS records carry at most 16 KiB). */
export const CLIENT_HELLO_LIMIT = 16 * 1024 + 5;

/**
 * What the bytes received so far say: `incomplete` (wait for more), or `done` with the
 * server name (undefined when the client sent none, or the bytes are not a ClientHello: the
 * TLS server then refuses them itself).
 * @param {Buffer} bytes
 * @returns {{ state: "incomplete" } | { state: "done", servername: string | undefined }}
 */
export function serverNameOf(bytes) {
  if (bytes.length < 5) return { state: "incomplete" };
  // A handshake record: type 22, then version and length.
  if (bytes[0] !== 22) return { state: "done", servername: undefined };
  const recordEnd = 5 + bytes.readUInt16BE(3);
  if (bytes.length < recordEnd) return bytes.length >= CLIENT_HELLO_LIMIT ? { state: "done", servername: undefined } : { state: "incomplete" };
  try {
    return { state: "done", servername: readServerName(bytes.subarray(5, recordEnd)) };
  } catch {
    return { state: "done", servername: undefined };
  }
}

/** @param {Buffer} hello */
function readServerName(hello) {
  let at = 0;
  const need = (/** @type {number} */ n) => {
    if (at + n > hello.length) throw new RangeError("truncated ClientHello");
  };
  const u8 = () => (need(1), hello[at++]);
  const u16 = () => (need(2), (at += 2), hello.readUInt16BE(at - 2));
  const skip = (/** @type {number} */ n) => (need(n), (at += n));
  if (u8() !== 1) return undefined; // not a ClientHello
  skip(3 + 2 + 32); // handshake length, legacy_version, random
  skip(u8()); // legacy_session_id
  skip(u16()); // cipher_suites
  skip(u8()); // legacy_compression_methods
  if (at === hello.length) return undefined; // no extensions
  const extensionsEnd = u16() + at;
  while (at + 4 <= extensionsEnd) {
    const type = u16();
    const length = u16();
    if (type !== 0) {
      skip(length);
      continue;
    }
    const listEnd = u16() + at;
    while (at + 3 <= listEnd) {
      const nameType = u8();
      const nameLength = u16();
      need(nameLength);
      if (nameType === 0) return hello.toString("ascii", at, at + nameLength).toLowerCase();
      skip(nameLength);
    }
    return undefined;
  }
  return undefined;
}
