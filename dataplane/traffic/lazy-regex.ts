import { compileRegex, type Re2 } from "../../resources/regex.ts";
import { plainFullMatcher } from "./plain-regex.ts";
import { regexLiteralPrefix, regexLiteralSuffix } from "./regex-literals.ts";

// Compiling RE2 programs (re2js) costs ~0.1-1 ms per pattern, so a 1,000-regex snapshot
// compiled up front would hold an isolate's first answer, and every snapshot change, for
// hundreds of milliseconds. Patterns compile on first use instead, once per isolate: the
// compiled program is shared by every matcher of the same pattern across snapshot
// versions (a change recompiles only the patterns it adds).

type Compile = (pattern: string) => Re2;

/** Compiled programs (or `null`: refused) by pattern, one map per compile function. */
const compiledBy = new WeakMap<Compile, Map<string, Re2 | null>>();
const MAX_CACHED = 10_000;

/**
 * A regex compiled on first call, then the same program on every call. A pattern that does
 * not compile (the control plane validates at apply, so only a snapshot it did not check can
 * carry one) yields `null`: the caller treats it as matching nothing. It is logged once,
 * never thrown on a request.
 */
export function lazyRegex(pattern: string, compile: Compile = compileRegex): () => Re2 | null {
  let program: Re2 | null | undefined;
  return () => (program === undefined ? (program = compiled(pattern, compile)) : program);
}

/**
 * A full-match test compiled on first use (see {@link lazyRegex}); a plain pattern is matched
 * without an RE2 program (see plainFullMatcher), and a value that lacks the pattern's literal
 * prefix or suffix fails without compiling or running it. A refused pattern answers
 * `whenRefused`: default false, matches nothing; a negated test passes true so that what
 * it guards does not match either, and so must compile the pattern to know.
 */
export function lazyFullMatcher(pattern: string, whenRefused = false): (value: string) => boolean {
  let full: ((value: string) => boolean) | null | undefined;
  const matcher = () => (full === undefined ? (full = plainFullMatcher(pattern) ?? re2FullMatcher(pattern)) : full);
  if (whenRefused) return (value) => matcher()?.(value) ?? true;
  let prefix: string | undefined;
  let suffix = "";
  return (value) => {
    if (prefix === undefined) {
      prefix = regexLiteralPrefix(pattern);
      suffix = regexLiteralSuffix(pattern);
    }
    return value.startsWith(prefix) && value.endsWith(suffix) && (matcher()?.(value) ?? false);
  };
}

/** The full-match test of the pattern's RE2 program (shared, see lazyRegex), or null when refused. */
function re2FullMatcher(pattern: string): ((value: string) => boolean) | null {
  const program = compiled(pattern, compileRegex);
  return program && ((value) => program.matches(value));
}

/** Logs a pattern refused on first use; called once per pattern and use. */
export function recordRefusedRegex(pattern: string, error: unknown): void {
  console.warn(JSON.stringify({ msg: "regex refused on first use; what uses it does not apply", pattern, error: String(error) }));
}

function compiled(pattern: string, compile: Compile): Re2 | null {
  let cache = compiledBy.get(compile);
  if (!cache) compiledBy.set(compile, (cache = new Map()));
  const known = cache.get(pattern);
  if (known !== undefined) return known;
  let program: Re2 | null;
  try {
    program = compile(pattern);
  } catch (error) {
    program = null;
    recordRefusedRegex(pattern, error);
  }
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(pattern, program);
  return program;
}
