import { parseAllDocuments } from "yaml";
import { MalformedDocumentError } from "./errors.ts";

/**
 * The documents in a YAML (multi-document, `---`) or JSON text: an object, an array of
 * objects, or a Kubernetes `{ kind: "List", items }`, flattened in order. Empty documents are
 * skipped. Throws `MalformedDocumentError` naming the line of the first syntax error.
 */
export function parseDocuments(text: string): unknown[] {
  const trimmed = text.trimStart();
  const values = trimmed.startsWith("{") || trimmed.startsWith("[") ? [parseJson(text)] : parseYaml(text);
  return values.flatMap(flatten);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const line = position ? text.slice(0, Number(position[1])).split("\n").length : undefined;
    const where = line === undefined ? "" : ` (line ${line})`;
    throw new MalformedDocumentError(`malformed JSON${where}: ${message}`, [{ path: line === undefined ? "" : `line ${line}`, message }]);
  }
}

function parseYaml(text: string): unknown[] {
  const documents = parseAllDocuments(text, { uniqueKeys: true });
  const values: unknown[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    const error = document.errors[0];
    if (error) {
      const line = error.linePos?.[0].line;
      const reason = error.message.split("\n")[0];
      throw new MalformedDocumentError(`malformed YAML${line ? ` (line ${line})` : ""}: ${reason}`, [
        { path: line ? `line ${line}` : "", message: reason },
      ]);
    }
    values.push(document.toJS({ maxAliasCount: 100 }));
  }
  return values;
}

function flatten(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(flatten);
  if (typeof value === "object" && (value as { kind?: unknown }).kind === "List" && Array.isArray((value as { items?: unknown }).items)) {
    return (value as { items: unknown[] }).items.flatMap(flatten);
  }
  return [value];
}
