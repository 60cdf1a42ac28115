import { parseAllDocuments } from "yaml";
import { MalformedDocumentError } from "./errors.ts";

/**
 * The documents in a YAML (multi-document, `---`) or JSON text: an object, an array of
 * objects, or a Kubernetes `{ kind: "List", items }`, flattened in order. Empty documents are
 * skipped. Throws `MalformedDocumentError` naming the line of the first syntax error.
 */
export function parseDocuments(text: string): unknown[] {
  const trimmed = text.trimStart();
  const json = trimmed.startsWith("{") || trimmed.startsWith("[");
  const values = json ? parseJson(text) : parseYaml(text, "YAML");
  return values.flatMap(flatten);
}

function parseJson(text: string): unknown[] {
  try {
    return [JSON.parse(text)];
  } catch {
    // JSON is YAML: the YAML parser finds the line of the error (and accepts what JSON
    // refuses only for style, such as a trailing comma).
    return parseYaml(text, "JSON");
  }
}

function parseYaml(text: string, format: "YAML" | "JSON"): unknown[] {
  const documents = parseAllDocuments(text, { uniqueKeys: true });
  const values: unknown[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    const error = document.errors[0];
    if (error) {
      const line = error.linePos?.[0].line;
      const reason = error.message.split("\n")[0];
      throw new MalformedDocumentError(`malformed ${format}${line ? ` (line ${line})` : ""}: ${reason}`, [
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
