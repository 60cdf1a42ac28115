// Literal text every full match of an RE2 pattern must start or end with, read from the
// pattern without compiling it: the route index files regex routes under their prefix, and
// a regex test first checks prefix and suffix, so a value that cannot match never compiles
// or runs the program. Both readings are conservative: shorter than RE2's own, never wrong.

/**
 * The literal text every full match of an RE2 pattern must start with (`/api/v1/products/`
 * for `/api/v1/products/[0-9]+`), or `""` when there is none (flags, top-level alternation).
 * It stops at the first construct it does not read as a literal (`\Q`, `\pN`, a group, a
 * class), so it may be shorter than RE2's own, never wrong.
 */
export function regexLiteralPrefix(pattern: string): string {
  if (pattern.startsWith("(?") || hasTopLevelAlternation(pattern)) return "";
  // Read by the engine's own regex up to the first special character, unless that is an
  // escape: route tables read every regex route's prefix when a host is first requested.
  const start = pattern.startsWith("^") ? 1 : 0;
  const run = PLAIN_RUN.exec(pattern.slice(start))![0];
  const stop = pattern[start + run.length];
  if (stop !== "\\") return stop === "*" || stop === "?" || stop === "{" ? run.replace(LAST_CODE_POINT, "") : run;
  // By code point, as RE2 reads it: a quantifier after an astral character repeats all of it.
  const chars = Array.from(pattern);
  let prefix = "";
  let i = chars[0] === "^" ? 1 : 0;
  for (; i < chars.length; i++) {
    const char = chars[i]!;
    let literal: string;
    let width = 1;
    if (char === "\\") {
      const next = chars[i + 1];
      if (next === undefined || /[0-9A-Za-z]/.test(next)) break; // \d, \w, \b, \A ...: not a literal
      literal = next;
      width = 2;
    } else if (".[](){}*+?|^$".includes(char)) {
      break;
    } else {
      literal = char;
    }
    const after = chars[i + width];
    if (after === "*" || after === "?" || after === "{") break; // the literal may be absent or repeated
    prefix += literal;
    i += width - 1;
  }
  return prefix;
}

/** Characters up to the first one RE2 reads as special (or an escape). */
const PLAIN_RUN = /^[^\\.[\](){}*+?|^$]*/;
/** The last code point of a string (an astral character is one, as for RE2). */
const LAST_CODE_POINT = /[\s\S]$/u;

function hasTopLevelAlternation(pattern: string): boolean {
  if (!pattern.includes("|")) return false;
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "\\") i++;
    else if (inClass) inClass = char !== "]";
    else if (char === "[") inClass = true;
    else if (char === "(") depth++;
    else if (char === ")") depth--;
    else if (char === "|" && depth === 0) return true;
  }
  return false;
}

/**
 * The literal text every full match of an RE2 pattern must end with (`/reviews` for
 * `/api/v[0-9]+/products/[0-9]+/reviews`), or `""` when there is none. Read left to right as
 * RE2 does; it gives up (`""`) on flags (`(?i)` may fold what follows), top-level
 * alternation and escapes it does not know the length of (`\x41`, `\pN`, `\Q..\E`, `\1`).
 */
export function regexLiteralSuffix(pattern: string): string {
  if (hasTopLevelAlternation(pattern)) return "";
  // Without escapes or flags, the plain run at the end (a final `$` has no character of its
  // own) after a character that ends a literal run there, read by the engine's regex: a
  // route's first request reads the suffix of every regex route it tests.
  if (!pattern.includes("\\") && !pattern.includes("(?")) {
    const body = pattern.endsWith("$") ? pattern.slice(0, -1) : pattern;
    const tail = PLAIN_TAIL.exec(body)![0];
    const before = body[body.length - tail.length - 1];
    // Another character before the run (`]`, `}`, `[`, `{`) needs the full reading: a class or a repeat.
    if (before === undefined || ".*+?|()^$".includes(before)) return tail;
  }
  const chars = Array.from(pattern);
  let suffix = "";
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    if (char === "\\") {
      const next = chars[++i];
      if (next === undefined) return "";
      if (/[0-9A-Za-z]/.test(next)) {
        if (!"dDwWsSbBAz".includes(next)) return "";
        suffix = ""; // a class or an assertion: not a literal
      } else suffix += next;
    } else if (char === "[") {
      const end = classEnd(chars, i);
      if (end === -1) return "";
      i = end;
      suffix = "";
    } else if (char === "(") {
      if (chars[i + 1] === "?") {
        // `(?:`, `(?P<name>`, `(?<name>` open groups; anything else sets flags.
        if (chars[i + 2] === ":") i += 2;
        else if (chars[i + 2] === "<" || (chars[i + 2] === "P" && chars[i + 3] === "<")) {
          const close = chars.indexOf(">", i);
          if (close === -1) return "";
          i = close;
        } else return "";
      }
      suffix = "";
    } else if (char === "{") {
      // A repeat (`{2}`, `{2,}`, `{2,5}`) is skipped; RE2 reads any other brace literally,
      // which is left unread here.
      const close = chars.indexOf("}", i);
      if (close === -1 || !/^\d+(,\d*)?$/.test(chars.slice(i + 1, close).join(""))) return "";
      i = close;
      suffix = "";
    } else if (char === "$" && i === chars.length - 1) {
      // End of text (no `(?m)`, flags give up above): no character of its own.
    } else if (".*+?|()^$".includes(char)) {
      suffix = "";
    } else suffix += char;
  }
  return suffix;
}

/** The characters after the last one RE2 may read as special. */
const PLAIN_TAIL = /[^[\](){}.*+?|^$]*$/;

// The index of the `]` closing the class opened at `open`, or -1. RE2: a `]` first in the
// class (after an optional `^`) is literal; `[:alpha:]` names a class inside; `\` escapes.
function classEnd(chars: readonly string[], open: number): number {
  let i = open + 1;
  if (chars[i] === "^") i++;
  if (chars[i] === "]") i++;
  for (; i < chars.length; i++) {
    const char = chars[i];
    if (char === "\\") i++;
    else if (char === "[" && chars[i + 1] === ":") {
      const close = chars.indexOf(":", i + 2);
      if (close !== -1 && chars[close + 1] === "]") i = close + 1;
    } else if (char === "]") return i;
  }
  return -1;
}
