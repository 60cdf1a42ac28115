import { z } from "zod";
import type { Operation } from "./operation.ts";

const ROLE_NOTE = (operation: Operation) =>
  operation.role ? ` Needs role ${operation.role}${operation.alsoAllow?.length ? ` (or ${operation.alsoAllow.join(", ")})` : ""}.` : "";

function schemaOf(schema: z.ZodType, io: "input" | "output") {
  return z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any", reused: "inline" });
}

/** The OpenAPI 3.1 document of `operations`, JSON Schemas generated from their zod schemas. */
export function openApiDocument(operations: readonly Operation[], info: { title: string; version: string }) {
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
      Object.entries(operation.responses).map(([status, response]) => [
        status,
        response.schema
          ? { description: response.description, content: { [response.contentType ?? "application/json"]: { schema: schemaOf(response.schema, "output") } } }
          : response.contentType
            ? { description: response.description, content: { [response.contentType]: {} } }
            : { description: response.description },
      ]),
    );
    const body = operation.body;
    (paths[operation.path] ??= {})[operation.method] = {
      summary: operation.summary,
      description: `${operation.summary}${ROLE_NOTE(operation)}`,
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
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
  };
}
