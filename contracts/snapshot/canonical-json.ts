/**
 * Stable JSON text of a value: object keys sorted by code unit, no whitespace, properties
 * whose value is `undefined` left out (as JSON.stringify does). Two values that are equal
 * as JSON give the same text, whatever order their keys were built in.
 */
export function canonicalJson(value: unknown): string {
  // One string built left to right: the snapshot is hashed this way on every isolate start,
  // and per-object arrays (map, filter, join) cost about as much as the text itself.
  let text = "";
  const write = (item: unknown): void => {
    if (item === null || typeof item !== "object") {
      const json = JSON.stringify(item);
      if (json === undefined) throw new TypeError(`cannot encode ${typeof item} as JSON`);
      text += json;
    } else if (Array.isArray(item)) {
      text += "[";
      for (let i = 0; i < item.length; i++) {
        if (i > 0) text += ",";
        if (item[i] === undefined) text += "null";
        else write(item[i]);
      }
      text += "]";
    } else {
      // Stored resources mostly have their keys in order already: sort only when not.
      const keys = Object.keys(item);
      for (let i = 1; i < keys.length; i++) {
        if (keys[i - 1]! > keys[i]!) {
          keys.sort();
          break;
        }
      }
      let separator = "{";
      for (const key of keys) {
        const member = (item as Record<string, unknown>)[key];
        if (member === undefined) continue;
        text += separator;
        text += JSON.stringify(key);
        text += ":";
        separator = ",";
        write(member);
      }
      text += separator === "{" ? "{}" : "}";
    }
  };
  write(value);
  return text;
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes (WebCrypto: Workers and Node alike). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
