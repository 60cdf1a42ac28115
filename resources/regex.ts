import { RE2JS, RE2JSException } from "re2js";
import { InvalidRegexError } from "./errors.ts";

/**
 * The largest compiled program a regex may have: Istio's bootstrap sets Envoy's
 * `re2.max_program_size.error_level` to 32768. re2js counts instructions as RE2 does (the
 * counts can differ by a few for the same pattern). Matching costs at most input length
 * × program size, so this bounds what one request can make the data plane do.
 */
export const MAX_PROGRAM_SIZE = 32_768;

/** A compiled RE2 regex (re2js: linear time in the input, no backtracking). */
export type Re2 = RE2JS;

/**
 * Compiles an Istio regex with RE2's syntax and semantics, as Envoy does: `[[:digit:]]`,
 * `\pN`, `\p{Greek}`, `\Q...\E`, `(?i)` anywhere, `(?P<name>...)`. What RE2 refuses
 * (backreferences, lookaround, possessive quantifiers, repeat counts over 1000) is refused,
 * and so is a program larger than {@link MAX_PROGRAM_SIZE}, with `InvalidRegexError`.
 */
export function compileRegex(pattern: string): Re2 {
  let compiled: Re2;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    if (error instanceof RE2JSException) throw new InvalidRegexError(pattern, reasonOf(pattern, error.message));
    throw error;
  }
  const size = compiled.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    throw new InvalidRegexError(pattern, `compiles to ${size} instructions, more than the ${MAX_PROGRAM_SIZE} Istio allows`);
  }
  return compiled;
}

/**
 * A full-match test, as Envoy's StringMatch `safe_regex` and Istio's `regex`: the whole
 * value must match (`a|b` does not match `ab`).
 */
export function fullMatcher(pattern: string): (value: string) => boolean {
  const compiled = compileRegex(pattern);
  return (value) => compiled.matches(value);
}

// re2js words some refusals after its own parser ("invalid named capture" for `(?<=`);
// say what the pattern used and why it is refused.
function reasonOf(pattern: string, message: string): string {
  const reason = message.replace(/^error parsing regexp: /, "");
  const refused = (what: string) => `${what} not supported (Envoy uses RE2): ${reason}`;
  if (/`\(\?<[=!]/.test(reason)) return refused("lookbehind is");
  if (/`\(\?[=!]/.test(reason)) return refused("lookahead is");
  if (/invalid escape sequence: `\\([1-9]|k|g)/.test(reason)) return refused("backreferences are");
  if (reason.includes("`(?P`") && pattern.includes("(?P=")) return refused("backreferences are");
  return reason;
}
