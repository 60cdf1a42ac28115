import { InvalidResourceError, MalformedDocumentError, ParseLimitError } from "../../resources/errors.ts";
import { parseDocuments, validateResource, type Resource } from "../../resources/index.ts";
import type { FieldIssue } from "../../contracts/refusal.ts";
import { InvalidResourceApiError, LimitExceededError, MalformedRequestError } from "./errors.ts";

/**
 * Parses a YAML/JSON body into documents; 400 naming the line when it is not parseable, 413
 * `limit_exceeded` naming the limit when it passes one (resources/parse-limits.ts).
 */
export function documentsOf(text: string): unknown[] {
  let documents: unknown[];
  try {
    documents = parseDocuments(text);
  } catch (error) {
    if (error instanceof MalformedDocumentError) throw new MalformedRequestError(error.message, error.details);
    if (error instanceof ParseLimitError) throw new LimitExceededError(error.message, error.details);
    throw error;
  }
  if (documents.length === 0) throw new MalformedRequestError("the body holds no documents");
  return documents;
}

/**
 * Validates every document; on any error, 422 listing all of them with paths prefixed by
 * `prefix(index)` (e.g. `documents[2].spec.http[0].route[1].weight`).
 */
export function validateDocuments(
  documents: readonly unknown[],
  namespace: string,
  prefix: (index: number) => string = (index) => `documents[${index}]`,
): Resource[] {
  const details: FieldIssue[] = [];
  const resources: Resource[] = [];
  let invalid = 0;
  documents.forEach((document, index) => {
    try {
      resources.push(validateResource(document, namespace));
    } catch (error) {
      if (!(error instanceof InvalidResourceError)) throw error;
      invalid += 1;
      details.push(...error.details.map((detail) => ({ path: joinPath(prefix(index), detail.path), message: detail.message })));
    }
  });
  if (details.length > 0) {
    const message = documents.length === 1 ? "the resource is not valid" : `${invalid} of ${documents.length} documents are not valid`;
    throw new InvalidResourceApiError(`${message}; nothing was stored`, details);
  }
  return resources;
}

function joinPath(prefix: string, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`;
}
