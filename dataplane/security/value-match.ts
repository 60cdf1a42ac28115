// The value forms of Istio's AuthorizationPolicy: exact, `prefix*`, `*suffix`, and `*`
// (any non-empty value), plus the path templates `{*}` (one segment) and `{**}` (any
// number of segments) of Istio 1.22+. Case-sensitive unless said otherwise.

/** A compiled value matcher. */
export type ValueMatcher = (value: string | undefined) => boolean;

/** Istio's string forms; `ignoreCase` for hosts. */
export function stringMatcher(pattern: string, ignoreCase = false): ValueMatcher {
  const fold = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  const p = fold(pattern);
  if (p === "*") return (v) => v !== undefined && v !== "";
  if (p.startsWith("*")) {
    const suffix = p.slice(1);
    return (v) => v !== undefined && fold(v).endsWith(suffix);
  }
  if (p.endsWith("*")) {
    const prefix = p.slice(0, -1);
    return (v) => v !== undefined && fold(v).startsWith(prefix);
  }
  return (v) => v !== undefined && fold(v) === p;
}

/** A path form: a template when it has `{`, else a string form. Matched against the normalized path. */
export function pathMatcher(pattern: string): ValueMatcher {
  if (!pattern.includes("{")) return stringMatcher(pattern);
  const source = pattern
    .split("/")
    .map((segment) => (segment === "{**}" ? "\u0001" : segment === "{*}" ? "[^/]+" : escapeRegex(segment)))
    .join("/")
    // `{**}` spans one or more segments, slashes included.
    .replace(/\u0001/g, ".+");
  const regex = new RegExp(`^${source}$`);
  return (v) => v !== undefined && regex.test(v);
}

/** A glob where `*` stands for any run of characters (Istio's namespace form). */
export function globMatcher(pattern: string): ValueMatcher {
  const regex = new RegExp(`^${pattern.split("*").map(escapeRegex).join(".*")}$`);
  return (v) => v !== undefined && regex.test(v);
}

/** A principal form: Istio writes principals without `spiffe://` and matches them with it. */
export function principalMatcher(pattern: string): ValueMatcher {
  if (pattern === "*") return (v) => v !== undefined && v !== "";
  const written = pattern.startsWith("spiffe://") ? pattern : `spiffe://${pattern}`;
  if (pattern.startsWith("*")) {
    const suffix = pattern.slice(1);
    return (v) => v !== undefined && v.startsWith("spiffe://") && v.endsWith(suffix);
  }
  return stringMatcher(written);
}

/** Any of the patterns, each compiled by `compile`. */
export function anyOf(patterns: readonly string[], compile: (p: string) => ValueMatcher): (values: readonly string[]) => boolean {
  const matchers = patterns.map(compile);
  return (values) => values.some((v) => matchers.some((m) => m(v)));
}

/** An IP block (`1.2.3.4`, `10.0.0.0/8`, IPv6 likewise) matcher. */
export function ipBlockMatcher(block: string): ValueMatcher {
  const [address, bits] = block.split("/");
  const base = parseIp(address!);
  if (!base) return () => false;
  const prefix = bits === undefined ? base.width : Number(bits);
  return (v) => {
    const ip = v === undefined ? null : parseIp(v);
    if (!ip || ip.width !== base.width) return false;
    const shift = BigInt(base.width - prefix);
    return ip.value >> shift === base.value >> shift;
  };
}

function parseIp(text: string): { value: bigint; width: number } | null {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split(".").map(Number);
    if (parts.some((p) => p > 255)) return null;
    return { value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), width: 32 };
  }
  if (!text.includes(":")) return null;
  const [head, tail] = text.split("::");
  const group = (s: string | undefined) => (s ? s.split(":") : []);
  const left = group(head);
  const right = group(tail);
  const fill = text.includes("::") ? 8 - left.length - right.length : 0;
  const groups = [...left, ...Array(Math.max(fill, 0)).fill("0"), ...right];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return { value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), width: 128 };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
