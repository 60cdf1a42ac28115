import { RE2JS } from "re2js";
import { lazyRegex } from "../traffic/lazy-regex.ts";

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
  // `{**}` spans one or more segments, slashes included.
  const source = pattern
    .split("/")
    .map((segment) => (segment === "{**}" ? ".+" : segment === "{*}" ? "[^/]+" : RE2JS.quote(segment)))
    .join("/");
  return literalTemplate(source);
}

/** A glob where `*` stands for any run of characters (Istio's namespace form). */
export function globMatcher(pattern: string): ValueMatcher {
  return literalTemplate(pattern.split("*").map((part) => RE2JS.quote(part)).join(".*"));
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

// Templates and globs become RE2 full matches (linear time: `/{**}/a/{**}/a/{**}` cannot
// make a long path backtrack), compiled on first use like route regexes. Built from quoted
// literals, they are valid by construction and grow only with the pattern's length, so
// Istio's program-size cap on written regexes does not apply.
const compileTemplate = (source: string) => RE2JS.compile(source);

function literalTemplate(source: string): ValueMatcher {
  const regex = lazyRegex(source, compileTemplate);
  return (v) => v !== undefined && (regex()?.matches(v) ?? false);
}
