import type { z } from "zod";
import type { Role } from "../../roles.ts";

/** A query parameter of an operation. */
export interface QueryParameter {
  schema: z.ZodType;
  description: string;
  required?: boolean;
}

/**
 * One route of the control API as the OpenAPI document shows it. Each route module
 * exports the operations it serves next to its handlers, so the document covers every
 * route; path parameters are read from the `{name}` parts of `path`.
 */
export interface Operation {
  method: "get" | "post" | "put" | "delete";
  /** OpenAPI path template, e.g. `/v1/namespaces/{namespace}/{plural}/{name}`. */
  path: string;
  summary: string;
  tag: string;
  /** Least role allowed; `dataplane` tokens also reach operations that list it; none = no auth. */
  role?: Role;
  /** Roles outside the viewer < editor < admin ladder that may also call it. */
  alsoAllow?: readonly Role[];
  query?: Record<string, QueryParameter>;
  body?: { contentTypes: readonly string[]; schema: z.ZodType; description?: string };
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}
