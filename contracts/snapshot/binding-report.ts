import { z } from "zod";

// An env binding name as wrangler accepts it (a JavaScript identifier).
const bindingName = z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, "must be a binding name").max(128);

/**
 * The names of a data-plane Worker's bindings that endpoints go through, as it reports them
 * with snapshot pulls: service bindings (`worker://NAME` -> `NAME_UPPER`) and Workers for
 * Platforms dispatch namespaces (`dispatch://BINDING/script`). Names only, never values.
 */
export const bindingReportSchema = z
  .object({
    services: z.array(bindingName).max(1000),
    dispatchNamespaces: z.array(bindingName).max(100),
  })
  .strict();

export type BindingReport = z.infer<typeof bindingReportSchema>;

/** The header an HTTP pull (`GET /v1/snapshot`) carries the report in, as JSON. */
export { BINDINGS_HEADER } from "./binding-header.ts";
