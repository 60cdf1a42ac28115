/**
 * The header an HTTP pull (`GET /v1/snapshot`) carries the caller's binding report in, as
 * JSON. Its own module so that the data plane names it without loading the report's schema.
 */
export const BINDINGS_HEADER = "x-isthmus-bindings";
