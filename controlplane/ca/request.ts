// Request bodies are validated inside the CA, whichever way they arrived (REST or Workers RPC).
import type { z } from "zod";
import { CaError } from "./errors";

/** The body as `schema` reads it, or a 400 invalid_request CaError naming each field. */
export function parseRequest<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  throw new CaError(400, "invalid_request", `invalid request: ${details.map((d) => `${d.path || "(body)"}: ${d.message}`).join("; ")}`, details);
}
