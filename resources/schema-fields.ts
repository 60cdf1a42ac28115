import type { z } from "zod";

/** A field a schema accepts: its path (`spec.http[].match[].uri`) and, when refused, why. */
export interface SchemaField {
  path: string;
  /** The message of an `unsupported(...)` field; undefined for a field the schema accepts. */
  refused?: string;
}

type Def = { type: string; [key: string]: any };
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/**
 * Every field path a zod schema accepts, found by walking its object shapes through
 * optional, default, array, record, union and pipe wrappers. Arrays add `[]`, record values
 * `{}`. Fields declared with `unsupported()` (a `never`) come back with their refusal.
 * `stopAt` lists shared value schemas (StringMatch, Percent, ...) listed once as a whole.
 */
export function schemaFields(schema: z.ZodType, stopAt: ReadonlySet<z.ZodType> = new Set(), prefix = ""): SchemaField[] {
  const fields: SchemaField[] = [];
  walk(schema, prefix, fields, stopAt, true);
  return fields;
}

function walk(schema: z.ZodType, path: string, out: SchemaField[], stopAt: ReadonlySet<z.ZodType>, root = false): void {
  if (!root && stopAt.has(schema)) return;
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "default":
    case "nullable":
    case "prefault":
    case "readonly":
      return walk(def.innerType, path, out, stopAt);
    case "pipe":
      return walk(def.in, path, out, stopAt);
    case "array":
      return walk(def.element, `${path}[]`, out, stopAt);
    case "record":
      return walk(def.valueType, `${path}{}`, out, stopAt);
    case "union":
      for (const option of def.options as z.ZodType[]) walk(option, path, out, stopAt);
      return;
    case "object":
      for (const [key, field] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        const child = path ? `${path}.${key}` : key;
        const refused = refusalOf(field);
        if (refused !== undefined) {
          out.push({ path: child, refused });
          continue;
        }
        out.push({ path: child });
        walk(field, child, out, stopAt);
      }
      return;
    default:
      return;
  }
}

/** The error message of an `unsupported()` field (optional never), else undefined. */
function refusalOf(schema: z.ZodType): string | undefined {
  let def = defOf(schema);
  if (def.type === "optional") def = defOf(def.innerType);
  if (def.type !== "never") return undefined;
  const error = def.error as ((issue: unknown) => unknown) | undefined;
  const message = error?.({ code: "invalid_type", expected: "never", input: undefined });
  return typeof message === "string" ? message : (message as { message?: string } | undefined)?.message ?? "refused";
}
