// Join tokens: bearer secrets an admin hands to a workload, exchanged for SVIDs. Only their
// SHA-256 is stored, so a database read does not yield usable tokens.
import { base64urlEncode } from "../../identity/base64url";

const PREFIX = "isthmus-jt.";

/** A new random join token (256 bits). */
export function newJoinToken(): string {
  return PREFIX + base64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
}

const HEX_BYTES: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** The stored form of a token: hex SHA-256 (hashed on every SVID request: no array per byte). */
export async function hashJoinToken(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  let hex = "";
  for (const byte of digest) hex += HEX_BYTES[byte];
  return hex;
}
