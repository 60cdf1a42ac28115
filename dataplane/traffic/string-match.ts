import type { StringMatch } from "../../resources/fields.ts";
import { lazyFullMatcher } from "./lazy-regex.ts";

/** A compiled Istio StringMatch: true when the value matches. */
export type StringMatcher = (value: string) => boolean;

/**
 * Compiles an Istio StringMatch (`exact`, `prefix`, or full-match RE2 `regex`, matched in
 * linear time by re2js). Compile once per snapshot, match per request; a regex compiles on
 * its first match (see `lazyRegex`), so routes no request reaches cost nothing. An empty
 * match (`{}`, allowed in header and query maps) matches any value, i.e. presence.
 * `ignoreCase` applies to exact and prefix only, as Istio's `ignoreUriCase` does;
 * `whenRefused` is what a regex that does not compile answers (default false).
 */
export function compileStringMatch(match: Partial<StringMatch>, options: { ignoreCase?: boolean; whenRefused?: boolean } = {}): StringMatcher {
  if (match.exact !== undefined) {
    const exact = match.exact;
    if (options.ignoreCase) {
      const lower = exact.toLowerCase();
      return (value) => value.toLowerCase() === lower;
    }
    return (value) => value === exact;
  }
  if (match.prefix !== undefined) {
    const prefix = match.prefix;
    if (options.ignoreCase) {
      const lower = prefix.toLowerCase();
      return (value) => value.toLowerCase().startsWith(lower);
    }
    return (value) => value.startsWith(prefix);
  }
  if (match.regex !== undefined) return lazyFullMatcher(match.regex, options.whenRefused);
  return () => true;
}
