import type { StringMatch } from "../../resources/fields.ts";
import { compileRegex } from "../../resources/regex.ts";

/** A compiled Istio StringMatch: true when the value matches. */
export type StringMatcher = (value: string) => boolean;

/**
 * Compiles an Istio StringMatch (`exact`, `prefix`, or full-match RE2 `regex`). An empty
 * match (`{}`, allowed in header and query maps) matches any value, i.e. presence.
 * `ignoreCase` applies to exact and prefix only, as Istio's `ignoreUriCase` does.
 */
export function compileStringMatch(match: Partial<StringMatch>, options: { ignoreCase?: boolean } = {}): StringMatcher {
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
  if (match.regex !== undefined) {
    const regex = compileRegex(match.regex);
    return (value) => regex.test(value);
  }
  return () => true;
}
