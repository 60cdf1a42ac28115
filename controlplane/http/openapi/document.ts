import { z } from "zod";
import type { Operation } from "./operation.ts";

type Io = "input" | "output";

const COMPONENTS = "#/components/schemas/";
// Request bodies are read as zod input (defaults optional), answers as output.
const SUFFIX: Record<Io, string> = { input: "Input", output: "" };

/**
 * The OpenAPI 3.1 document of `operations`, JSON Schemas generated from their zod schemas.
 * Schemas listed in `named` become components (each once, for input and for output) and
 * are referenced; others are written inline.
 */
export function openApiDocument(
  operations: readonly Operation[],
  named: Record<string, z.ZodType>,
  info: { title: string; version: string },
) {
  const ids = new Map([...Object.entries(named)].map(([id, schema]) => [schema, id]));
  const schemaOf = (schema: z.ZodType, io: Io) => {
    const id = ids.get(schema);
    if (id) return { $ref: `${COMPONENTS}${id}${SUFFIX[io]}` };
    return z.toJSONSchema(schema, { io, unrepresentable: "any" });
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const pathParameters = [...operation.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const queryParameters = Object.entries(operation.query ?? {}).map(([name, parameter]) => ({
      name,
      in: "query",
      required: parameter.required ?? false,
      description: parameter.description,
      schema: schemaOf(parameter.schema, "input"),
    }));
    const responses = Object.fromEntries(
      Object.entries(operation.responses).map(([status, response]) => {
        const contentType = response.contentType ?? (response.schema ? "application/json" : undefined);
        if (!contentType) return [status, { description: response.description }];
        return [status, { description: response.description, content: { [contentType]: response.schema ? { schema: schemaOf(response.schema, "output") } : {} } }];
      }),
    );
    const body = operation.body;
    const roles = operation.role ? ` Needs role ${[operation.role, ...(operation.alsoAllow ?? [])].join(" or ")}.` : "";
    (paths[operation.path] ??= {})[operation.method] = {
      summary: operation.summary,
      description: `${operation.summary}${roles}`,
      tags: [operation.tag],
      operationId: `${operation.method}${operation.path.replace(/\{(\w+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+/g, "_")}`,
      security: operation.role ? [{ bearer: [] }] : [],
      parameters: [...pathParameters, ...queryParameters],
      ...(body && {
        requestBody: {
          required: true,
          description: body.description,
          content: Object.fromEntries(body.contentTypes.map((type) => [type, { schema: schemaOf(body.schema, "input") }])),
        },
      }),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info,
    paths,
    components: {
      schemas: { ...components(named, "output"), ...components(named, "input") },
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
  };
}

function components(named: Record<string, z.ZodType>, io: Io): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, unrepresentable: "any", uri: (id) => `${COMPONENTS}${id}${SUFFIX[io]}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [`${id}${SUFFIX[io]}`, schema]));
}
