import { InvalidRegexError } from "./errors.ts";

/**
 * Compiles an Istio (RE2) regex for JavaScript. Istio's StringMatch `regex` is a full match,
 * as in Envoy, so by default the pattern is anchored at both ends. RE2 forms with a direct
 * JavaScript equivalent are translated (a leading `(?i)`/`(?s)`/`(?m)`, `(?P<name>`, `\A`, `\z`);
 * what RE2 refuses (lookaround, backreferences) is refused here too, with `InvalidRegexError`.
 */
export function compileRegex(pattern: string, options: { fullMatch?: boolean } = {}): RegExp {
  const { source, flags } = translateRe2(pattern);
  try {
    new RegExp(source, flags); // compiled alone first so errors quote the pattern as written
    return new RegExp(options.fullMatch === false ? source : `^(?:${source})$`, flags);
  } catch (error) {
    throw new InvalidRegexError(pattern, (error as Error).message.replace(/^Invalid regular expression: /, ""));
  }
}

function translateRe2(pattern: string): { source: string; flags: string } {
  let flags = "";
  let rest = pattern;
  const leading = /^\(\?([ims]+)\)/.exec(rest);
  if (leading) {
    flags = [...new Set(leading[1])].join("");
    rest = rest.slice(leading[0].length);
  }
  let out = "";
  let inClass = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === "\\") {
      const next = rest[i + 1];
      if (next === undefined) throw new InvalidRegexError(pattern, "trailing backslash");
      if (!inClass && /[1-9]/.test(next)) throw new InvalidRegexError(pattern, "backreferences are not supported (Envoy uses RE2)");
      if (!inClass && next === "k" && rest[i + 2] === "<") throw new InvalidRegexError(pattern, "backreferences are not supported (Envoy uses RE2)");
      if (!inClass && next === "A") out += "^";
      else if (!inClass && next === "z") out += "$";
      else out += c + next;
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      // A `]` first in a class is a literal in RE2.
      if (rest[i + 1] === "^") out += rest[++i];
      if (rest[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "(" && rest[i + 1] === "?") {
      const ahead = rest.slice(i + 2, i + 5);
      if (ahead.startsWith("=") || ahead.startsWith("!")) throw new InvalidRegexError(pattern, "lookahead is not supported (Envoy uses RE2)");
      if (ahead.startsWith("<=") || ahead.startsWith("<!")) throw new InvalidRegexError(pattern, "lookbehind is not supported (Envoy uses RE2)");
      if (ahead.startsWith("P<")) {
        out += "(?<";
        i += 3;
        continue;
      }
      if (!ahead.startsWith(":") && !ahead.startsWith("<")) {
        throw new InvalidRegexError(pattern, "inline flags are only supported as a leading (?i), (?s) or (?m)");
      }
    }
    out += c;
  }
  return { source: out, flags };
}
