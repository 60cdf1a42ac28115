// Turns the server's field paths (`documents[1].spec.http[0].route[1].weight`) into
// messages naming the file, document and line the user wrote.
import { ApiError, CliError } from "./errors.js";
import { lineOf, splitDocumentPath } from "./documents.js";

/**
 * Rethrow an ApiError about submitted documents with each detail placed in its source.
 * @param {unknown} error @param {import("./documents.js").SourceDocument[]} docs
 * @returns {never}
 */
export function rethrowWithSources(error, docs) {
  if (!(error instanceof ApiError) || error.details.length === 0) throw error;
  const details = error.details.map((d) => {
    let { index, field } = splitDocumentPath(d.path ?? "");
    if (index === undefined && docs.length === 1) index = 0;
    const doc = index === undefined ? undefined : docs[index];
    if (!doc) return d;
    const line = field ? lineOf(doc, field) : lineOf(doc, "");
    const where = `${doc.source}${line ? `:${line}` : ""}`;
    return { path: `${where}: ${doc.label}${describe(doc.value)}${field ? `: ${field}` : ""}`, message: d.message };
  });
  throw new CliError(error.message, { code: error.code, exitCode: error.exitCode, details });
}

/** @param {any} value */
function describe(value) {
  const kind = value?.kind;
  const name = value?.metadata?.name;
  return kind && name ? ` (${kind} ${name})` : "";
}
