import { z } from "zod";
import { ObjectMeta } from "./metadata.ts";

/** The envelope every mesh resource shares: `{ apiVersion, kind, metadata, spec }`. */
export function resourceOf<K extends string, S extends z.ZodType>(kind: K, spec: S) {
  return z.strictObject({
    apiVersion: z.string(),
    kind: z.literal(kind),
    metadata: ObjectMeta,
    spec,
  });
}
