/** One problem found in a resource, named by its field path (`spec.http[0].route[1].weight`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Raised when a document is not a valid mesh resource. Nothing is stored when it is thrown. */
export class InvalidResourceError extends Error {
  readonly code = "invalid_resource";
  constructor(
    message: string,
    readonly details: FieldIssue[],
  ) {
    super(message);
    this.name = "InvalidResourceError";
  }
}

/** Raised when the input text is not parseable YAML or JSON. */
export class MalformedDocumentError extends Error {
  readonly code = "malformed_document";
  constructor(
    message: string,
    readonly details: FieldIssue[],
  ) {
    super(message);
    this.name = "MalformedDocumentError";
  }
}
