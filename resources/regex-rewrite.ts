import { InvalidRegexRewriteError } from "./errors.ts";
import { compileRegex } from "./regex.ts";

/** Replaces every match of a regex in a path. */
export type PathRewriter = (path: string) => string;

type Piece = string | number;

/**
 * Compiles Istio's `uriRegexRewrite` as Envoy runs it (`RE2::GlobalReplace`): every
 * non-overlapping match, left to right, is replaced by `rewrite`, where `\0` is the whole
 * match, `\1`..`\9` its groups (an unmatched group is empty) and `\\` a backslash; every
 * other character, `$` included, is literal. An empty match right after a match is
 * skipped (`.*` on `/a` replaces once). A rewrite that RE2 cannot apply (any other `\`
 * escape, a group the regex does not have) is refused with `InvalidRegexRewriteError`.
 */
export function compileRegexRewrite(match: string, rewrite: string): PathRewriter {
  const regex = compileRegex(match);
  const pieces = parseRewrite(rewrite, regex.groupCount());
  return (path) => {
    const matcher = regex.matcher(path);
    let out = "";
    let at = 0;
    let lastEnd = -1;
    let replaced = false;
    while (at <= path.length && matcher.find(at)) {
      const start = matcher.start();
      const end = matcher.end();
      out += path.slice(at, start);
      if (start === end && start === lastEnd) {
        // RE2 steps over one character (a whole code point) and searches again.
        const step = path.codePointAt(start)! > 0xffff ? 2 : 1;
        out += path.slice(start, start + step);
        at = start + step;
        continue;
      }
      for (const piece of pieces) out += typeof piece === "number" ? (matcher.group(piece) ?? "") : piece;
      at = lastEnd = end;
      replaced = true;
    }
    return replaced ? out + path.slice(at) : path;
  };
}

// RE2::Rewrite's language, checked up front as RE2::CheckRewriteString does.
function parseRewrite(rewrite: string, groups: number): Piece[] {
  const pieces: Piece[] = [];
  let literal = "";
  for (let i = 0; i < rewrite.length; i++) {
    const char = rewrite[i]!;
    if (char !== "\\") {
      literal += char;
      continue;
    }
    const next = rewrite[++i];
    if (next === "\\") {
      literal += "\\";
    } else if (next !== undefined && next >= "0" && next <= "9") {
      const group = Number(next);
      if (group > groups) throw new InvalidRegexRewriteError(rewrite, `\\${group} refers to group ${group}, but the regex has ${groups === 0 ? "no groups" : groups === 1 ? "1 group" : `${groups} groups`}`);
      if (literal) pieces.push(literal);
      literal = "";
      pieces.push(group);
    } else {
      throw new InvalidRegexRewriteError(rewrite, next === undefined ? "trailing backslash" : `"\\${next}" is not \\0..\\9 or \\\\ (write a literal backslash as \\\\)`);
    }
  }
  if (literal) pieces.push(literal);
  return pieces;
}
