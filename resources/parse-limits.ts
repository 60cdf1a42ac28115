// The limits every body the control plane parses must keep (resources in YAML or JSON, and
// the JSON bodies of the other routes). They are far above what a real Istio resource needs
// (the deepest, a VirtualService header match inside a List, is 10 levels) and low enough that
// parsing can neither exhaust the stack nor spend seconds on one request. The total size is
// bounded before any of these, by the body limit (1 MiB, controlplane/http/body.ts).
import { ParseLimitError } from "./errors.ts";

/** The parser's limits, in one place (documented in docs/SECURITY.md). */
export const PARSE_LIMITS = {
  /** Documents in one body: YAML documents, JSON array or List items, counted before validation. */
  documents: 1000,
  /** Nesting of objects and arrays, after aliases are expanded. */
  depth: 32,
  /** Alias nodes (`*name`) in one body; their expansion is bounded by the same count. */
  aliases: 100,
  /** Characters in one mapping key. */
  keyLength: 512,
  /** Columns of indentation (spaces plus compact `- ` / `? ` indicators) of a YAML line. */
  indentation: 256,
} as const;

export type ParseLimit = keyof typeof PARSE_LIMITS;

/** Throws the `ParseLimitError` of `limit`, naming where (`path`) and what was found. */
export function overLimit(limit: ParseLimit, path: string, found: string): never {
  const message = `${found}: the limit is ${PARSE_LIMITS[limit]} (${limit})`;
  throw new ParseLimitError(limit, `${path ? `${path}: ` : ""}${message}`, [{ path, message }]);
}

/**
 * Checks YAML or JSON text before a parser sees it, in one linear pass: flow nesting (`[`, `{`
 * outside quoted scalars and comments) within `depth`, and each line's indentation within
 * `indentation`. The YAML parser recurses per level, so nesting it is given must be bounded.
 */
export function checkTextShape(text: string): void {
  let flow = 0;
  let line = 1;
  let quote: '"' | "'" | null = null;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      line++;
      lineStart = i + 1;
      checkIndentation(text, lineStart, line);
      continue;
    }
    if (quote === '"') {
      if (c === "\\") i++;
      else if (c === '"') quote = null;
      continue;
    }
    if (quote === "'") {
      if (c === "'" && text[i + 1] === "'") i++;
      else if (c === "'") quote = null;
      continue;
    }
    const before = i === lineStart ? "\n" : text[i - 1]!;
    if (c === "#" && /\s/.test(before)) {
      const end = text.indexOf("\n", i);
      i = (end === -1 ? text.length : end) - 1;
    } else if ((c === '"' || c === "'") && /[\s[{,:\-?]/.test(before)) {
      quote = c;
    } else if (c === "[" || c === "{") {
      if (++flow > PARSE_LIMITS.depth) overLimit("depth", `line ${line}`, `nesting deeper than ${PARSE_LIMITS.depth}`);
    } else if ((c === "]" || c === "}") && flow > 0) {
      flow--;
    }
  }
  checkIndentation(text, 0, 1);
}

function joinKey(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

// Indentation is measured on every line, in quoted scalars too, so no quote can hide it.
function checkIndentation(text: string, start: number, line: number): void {
  let i = start;
  for (;;) {
    const c = text[i];
    if (c === " " || c === "\t") i++;
    else if ((c === "-" || c === "?" || c === ":") && (text[i + 1] === " " || text[i + 1] === "\t")) i += 2;
    else break;
    if (i - start > PARSE_LIMITS.indentation) overLimit("indentation", `line ${line}`, `indented past ${PARSE_LIMITS.indentation} columns`);
  }
}

/**
 * Checks a parsed value: nesting within `depth` (a cycle is infinitely deep) and every key
 * within `keyLength`. Iterative, so any depth can be measured; `root` prefixes the paths.
 */
export function checkValueShape(value: unknown, root = ""): void {
  const stack: { value: unknown; depth: number; path: () => string }[] = [{ value, depth: 0, path: () => root }];
  while (stack.length > 0) {
    const { value: node, depth, path } = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth >= PARSE_LIMITS.depth) overLimit("depth", path(), `nesting deeper than ${PARSE_LIMITS.depth}`);
    if (Array.isArray(node)) {
      node.forEach((item, index) => stack.push({ value: item, depth: depth + 1, path: () => `${path()}[${index}]` }));
      continue;
    }
    for (const [key, item] of Object.entries(node)) {
      if (key.length > PARSE_LIMITS.keyLength) overLimit("keyLength", path(), `a key of ${key.length} characters (${JSON.stringify(key.slice(0, 40))}...)`);
      stack.push({ value: item, depth: depth + 1, path: () => joinKey(path(), key) });
    }
  }
}
