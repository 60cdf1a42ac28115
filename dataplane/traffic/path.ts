import { PathInvalidError } from "./mesh-error.ts";

/**
 * What to do with percent-encoded slashes (`%2F`) and backslashes (`%5C`) — Envoy's
 * `path_with_escaped_slashes_action`. `unescape` decodes them (to `/`) before slashes are
 * merged, which is Istio's `DECODE_AND_MERGE_SLASHES`, its strictest normalization and our
 * default; `reject` refuses such paths (400).
 */
export type EscapedSlashAction = "unescape" | "reject";

export interface PathNormalizationOptions {
  /** Default `unescape` (Istio's DECODE_AND_MERGE_SLASHES). */
  escapedSlashes?: EscapedSlashAction;
  /** Merge repeated slashes (default true). */
  mergeSlashes?: boolean;
}

export interface NormalizedPath {
  /** The normalized path: starts with `/`, no dot segments, no repeated slashes. */
  path: string;
  /** The query string without its `?`, unchanged (`""` when absent). */
  query: string;
  /** True when the path differs from the path the client sent (a redirect may say so). */
  changed: boolean;
}

const HEX = /^[0-9A-Fa-f]{2}$/;
// A path of RFC 3986 pchars and "/" alone, with no "%" (nothing to decode), no backslash and no
// control character: what the full pass would leave unchanged, but for dot segments and "//".
const ALREADY_NORMAL = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/**
 * Normalizes a request target (`/path?query#fragment`) as Istio's
 * DECODE_AND_MERGE_SLASHES does, so that routing, policy and the upstream all see one path:
 *
 * 1. the `#fragment` is dropped (ISTIO-SECURITY-2021-008), the `?query` is set aside;
 * 2. percent-encodings are decoded once: unreserved characters (`A-Z a-z 0-9 - . _ ~`), and
 *    `%2F`/`%5C` to `/` (or refused, see {@link EscapedSlashAction}); every other escape is
 *    kept, with upper-case hex;
 * 3. backslashes become `/`; `.` and `..` segments are resolved (RFC 3986 §5.2.4; `..`
 *    never climbs above the root); then repeated slashes are merged — Istio's order.
 *
 * The result is a fixed point: normalizing it again changes nothing.
 *
 * @throws {PathInvalidError} for what cannot be normalized safely: NUL (raw or `%00`), raw
 *   control characters, malformed escapes (`%`, `%zz`, `%u002e`), double-encoded dot, slash,
 *   backslash or NUL (`%252e`), overlong UTF-8 (`%c0%ae`), and targets not starting with `/`.
 */
export function normalizePath(target: string, options: PathNormalizationOptions = {}): NormalizedPath {
  const escapedSlashes = options.escapedSlashes ?? "unescape";
  const mergeSlashes = options.mergeSlashes ?? true;

  const hash = target.indexOf("#");
  const withoutFragment = hash === -1 ? target : target.slice(0, hash);
  const question = withoutFragment.indexOf("?");
  const rawPath = question === -1 ? withoutFragment : withoutFragment.slice(0, question);
  const query = question === -1 ? "" : withoutFragment.slice(question + 1);

  // Most paths are already normal: plain characters, no escapes, no dot segment, no "//".
  if (ALREADY_NORMAL.test(rawPath) && (!mergeSlashes || !rawPath.includes("//")) && !DOT_SEGMENT.test(rawPath)) {
    return { path: rawPath, query, changed: false };
  }
  const decoded = decodeOnce(rawPath, escapedSlashes).replace(/\\/g, "/");
  if (!decoded.startsWith("/")) {
    throw new PathInvalidError("not_origin_form", "the path must start with /");
  }
  // Istio's order: dot segments first, then merge ("/a//../b" -> "/a/b").
  const resolved = removeDotSegments(decoded);
  const path = mergeSlashes ? resolved.replace(/\/{2,}/g, "/") : resolved;
  return { path, query, changed: path !== rawPath };
}

/** Decodes percent-escapes once, refusing the unsafe ones. */
function decodeOnce(raw: string, escapedSlashes: EscapedSlashAction): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i]!;
    const code = char.charCodeAt(0);
    if (code === 0) throw new PathInvalidError("null_byte", "NUL in path");
    if (code < 0x20 || code === 0x7f) throw new PathInvalidError("control_character", `control character 0x${code.toString(16)} in path`);
    if (char !== "%") {
      out += char;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!HEX.test(hex)) throw new PathInvalidError("invalid_percent_encoding", `malformed escape at offset ${i}`);
    const byte = parseInt(hex, 16);
    i += 2;
    if (byte === 0) throw new PathInvalidError("null_byte", "%00 in path");
    if (isUnreserved(byte)) {
      out += String.fromCharCode(byte);
    } else if (byte === 0x2f || byte === 0x5c) {
      if (escapedSlashes === "reject") throw new PathInvalidError("escaped_slash", `%${hex} in path`);
      out += "/";
    } else if (byte === 0x25) {
      const next = raw.slice(i + 1, i + 3).toLowerCase();
      if (next === "2e" || next === "2f" || next === "5c" || next === "00") {
        throw new PathInvalidError("double_encoding", `%25${next} in path`);
      }
      out += "%25";
    } else {
      if (isOverlongLead(byte, raw.slice(i + 1, i + 4))) throw new PathInvalidError("overlong_utf8", `invalid UTF-8 sequence at %${hex}`);
      out += `%${hex.toUpperCase()}`;
    }
  }
  return out;
}

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x2e ||
    byte === 0x5f ||
    byte === 0x7e
  );
}

/**
 * Lead bytes that can only start an overlong or out-of-range UTF-8 sequence — the classic
 * `%c0%ae%c0%ae/` dot-dot smuggling — given the escape that follows (`%XX`).
 */
function isOverlongLead(byte: number, following: string): boolean {
  if (byte === 0xc0 || byte === 0xc1 || byte >= 0xf5) return true;
  const next = following.startsWith("%") && HEX.test(following.slice(1, 3)) ? parseInt(following.slice(1, 3), 16) : -1;
  if (byte === 0xe0) return next >= 0x80 && next <= 0x9f;
  if (byte === 0xf0) return next >= 0x80 && next <= 0x8f;
  return false;
}

/** RFC 3986 §5.2.4 remove_dot_segments over an absolute path. */
function removeDotSegments(path: string): string {
  const segments = path.split("/");
  const out: string[] = [];
  // segments[0] is "" (the path starts with "/").
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (segment === ".") {
      if (last) out.push("");
    } else if (segment === "..") {
      out.pop();
      if (last) out.push("");
    } else {
      out.push(segment);
    }
  }
  return "/" + out.join("/");
}
