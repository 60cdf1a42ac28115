/**
 * Stable JSON text of a value: object keys sorted by code unit, no whitespace, properties
 * whose value is `undefined` left out (as JSON.stringify does). Two values that are equal
 * as JSON give the same text, whatever order their keys were built in.
 */
export function canonicalJson(value: unknown): string {
  // The snapshot is hashed this way on every isolate start. Stored specs are canonical JSON
  // parsed back, so most subtrees already have their keys in order: those are written by
  // the engine's JSON.stringify (same text, several times faster than a walk that builds
  // it), and only the objects out of order are written member by member.
  let text = "";
  const write = (item: unknown): void => {
    if (item === null || typeof item !== "object") {
      const json = JSON.stringify(item);
      if (json === undefined) throw new TypeError(`cannot encode ${typeof item} as JSON`);
      text += json;
    } else if (inOrder(item)) {
      text += JSON.stringify(item);
    } else if (Array.isArray(item)) {
      text += "[";
      for (let i = 0; i < item.length; i++) {
        if (i > 0) text += ",";
        if (item[i] === undefined) text += "null";
        else write(item[i]);
      }
      text += "]";
    } else {
      const keys = Object.keys(item);
      if (!keysSorted(keys)) keys.sort();
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

/**
 * Whether JSON.stringify writes `item` canonically: plain objects and arrays all the way
 * down (no `toJSON`), every object's keys in code-unit order (JSON.stringify follows
 * Object.keys), and only JSON values (undefined members are left out by both). Stops at
 * the first object out of order, so a failed check costs little.
 */
function inOrder(item: object): boolean {
  if (Array.isArray(item)) {
    if (Object.getPrototypeOf(item) !== Array.prototype) return false;
    for (let i = 0; i < item.length; i++) if (!jsonValue(item[i])) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(item);
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(item);
  if (!keysSorted(keys)) return false;
  for (const key of keys) if (!jsonValue((item as Record<string, unknown>)[key])) return false;
  return true;
}

function jsonValue(member: unknown): boolean {
  switch (typeof member) {
    case "string":
    case "number":
    case "boolean":
      return true;
    case "object":
      return member === null || inOrder(member);
    default:
      // undefined, functions, symbols, bigints: left to the member-by-member walk, which
      // leaves undefined out (or writes null in an array) and refuses the others.
      return false;
  }
}

function keysSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes (WebCrypto: Workers and Node alike). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
