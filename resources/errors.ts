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

/** Raised by `parseDuration` for text that is not a duration such as `10s`, `0.5s`, `1m30s`, `100ms`. */
export class InvalidDurationError extends Error {
  readonly code = "invalid_duration";
  constructor(readonly input: string) {
    super(`invalid duration ${JSON.stringify(input)}: expected a number with a unit (h, m, s, ms, us, ns), e.g. "10s" or "100ms"`);
    this.name = "InvalidDurationError";
  }
}

/** Raised by `compileRegex` for a pattern that is not valid RE2, or compiles larger than Istio allows. */
export class InvalidRegexError extends Error {
  readonly code = "invalid_regex";
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`invalid regex ${JSON.stringify(pattern)}: ${reason}`);
    this.name = "InvalidRegexError";
  }
}

/** Raised by `compileRegexRewrite` for a `uriRegexRewrite.rewrite` that RE2 cannot apply. */
export class InvalidRegexRewriteError extends Error {
  readonly code = "invalid_regex_rewrite";
  constructor(
    readonly rewrite: string,
    reason: string,
  ) {
    super(`invalid regex rewrite ${JSON.stringify(rewrite)}: ${reason}`);
    this.name = "InvalidRegexRewriteError";
  }
}

/** Raised when input text or a parsed body passes one of the parser's limits (`PARSE_LIMITS`). */
export class ParseLimitError extends Error {
  readonly code = "limit_exceeded";
  constructor(
    /** Which limit: a key of `PARSE_LIMITS`. */
    readonly limit: string,
    message: string,
    readonly details: FieldIssue[],
  ) {
    super(message);
    this.name = "ParseLimitError";
  }
}
