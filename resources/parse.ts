import { Composer, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser, type Document, type Node } from "yaml";
import { MalformedDocumentError } from "./errors.ts";
import { checkTextShape, checkValueShape, overLimit, PARSE_LIMITS } from "./parse-limits.ts";

/**
 * The documents in a YAML (multi-document, `---`) or JSON text: an object, an array of
 * objects, or a Kubernetes `{ kind: "List", items }`, flattened in order. Empty documents are
 * skipped. Throws `MalformedDocumentError` naming the line of the first syntax error, and
 * `ParseLimitError` when the text passes one of `PARSE_LIMITS` (nothing is parsed further).
 */
export function parseDocuments(text: string): unknown[] {
  const trimmed = text.trimStart();
  const json = trimmed.startsWith("{") || trimmed.startsWith("[");
  const values = json ? parseJson(text) : parseYaml(text, "YAML");
  values.forEach((value, index) => checkValueShape(value, values.length > 1 ? `documents[${index}]` : ""));
  const documents = values.flatMap(flatten);
  if (documents.length > PARSE_LIMITS.documents) overLimit("documents", "", `${documents.length} documents`);
  return documents;
}

function parseJson(text: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON is YAML: the YAML parser finds the line of the error (and accepts what JSON
    // refuses only for style, such as a trailing comma).
    return parseYaml(text, "JSON");
  }
  return [value];
}

function parseYaml(text: string, format: "YAML" | "JSON"): unknown[] {
  checkTextShape(text);
  const lines = new LineCounter();
  const malformed = (reason: string, offset?: number): never => {
    const line = offset === undefined ? undefined : lines.linePos(offset).line;
    throw new MalformedDocumentError(`malformed ${format}${line ? ` (line ${line})` : ""}: ${reason}`, [{ path: line ? `line ${line}` : "", message: reason }]);
  };
  // Duplicate keys are found below in one pass: the parser's own check compares every pair.
  const composer = new Composer({ uniqueKeys: false });
  const values: unknown[] = [];
  let aliases = 0;
  for (const document of composer.compose(new Parser(lines.addNewLine).parse(text))) {
    if (values.length >= PARSE_LIMITS.documents) overLimit("documents", "", `more than ${PARSE_LIMITS.documents} YAML documents`);
    const error = document.errors[0];
    if (error) malformed(error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, ""), error.pos[0]);
    aliases += checkNodes(document, malformed);
    if (aliases > PARSE_LIMITS.aliases) overLimit("aliases", "", `more than ${PARSE_LIMITS.aliases} aliases`);
    try {
      values.push(document.toJS({ maxAliasCount: PARSE_LIMITS.aliases }));
    } catch (error) {
      // The library counts what aliases expand to: a billion laughs stops here.
      if (error instanceof ReferenceError) overLimit("aliases", "", `aliases expanding past ${PARSE_LIMITS.aliases} nodes`);
      throw error;
    }
  }
  return values;
}

/**
 * Walks a document's nodes (iteratively): refuses duplicate keys, unresolved aliases and
 * aliases inside their own anchor (a cycle), naming the line. Answers the alias count.
 */
function checkNodes(document: Document.Parsed, malformed: (reason: string, offset?: number) => never): number {
  let aliases = 0;
  const stack: { node: Node | null | undefined; ancestors: readonly Node[] }[] = [{ node: document.contents, ancestors: [] }];
  while (stack.length > 0) {
    const { node, ancestors } = stack.pop()!;
    if (!node) continue;
    if (isAlias(node)) {
      aliases++;
      const target = node.resolve(document);
      if (!target) malformed(`unresolved alias *${node.source}`, node.range?.[0]);
      if (ancestors.includes(target as Node)) malformed(`alias *${node.source} refers to its own anchor (a cycle)`, node.range?.[0]);
      continue;
    }
    const path = [...ancestors, node];
    if (isSeq(node)) {
      for (const item of node.items) stack.push({ node: item as Node, ancestors: path });
    } else if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as Node | null;
        if (isScalar(key)) {
          const name = String(key.value);
          if (keys.has(name)) malformed(`map keys must be unique (${JSON.stringify(name.slice(0, 40))} repeats)`, key.range?.[0]);
          keys.add(name);
        } else {
          stack.push({ node: key, ancestors: path });
        }
        stack.push({ node: pair.value as Node | null, ancestors: path });
      }
    }
  }
  return aliases;
}

function flatten(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(flatten);
  if (typeof value === "object" && (value as { kind?: unknown }).kind === "List" && Array.isArray((value as { items?: unknown }).items)) {
    return (value as { items: unknown[] }).items.flatMap(flatten);
  }
  return [value];
}
