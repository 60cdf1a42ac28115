import type { z } from "zod";
import { ParseLimitError } from "../../resources/errors.ts";
import { checkValueShape } from "../../resources/parse-limits.ts";
import { LimitExceededError, MalformedRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, type ApiError } from "./errors.ts";

/** Largest request body the control API reads. */
export const BODY_LIMIT = 1024 * 1024;

/** Content types that may carry resources (YAML or JSON; text/plain for `curl --data-binary`). */
export const RESOURCE_CONTENT_TYPES = ["application/yaml", "application/x-yaml", "text/yaml", "application/json", "text/plain"] as const;
export const JSON_CONTENT_TYPES = ["application/json"] as const;

/** How a route words its 415 and 413 refusals; every route but the CSR's uses `USUAL_REFUSALS`. */
export interface BodyRefusals {
  unsupported(contentType: string, mediaType: string, accepted: readonly string[]): ApiError;
  tooLarge(limit: number): ApiError;
}

const USUAL_REFUSALS: BodyRefusals = {
  unsupported: (contentType, _mediaType, accepted) => new UnsupportedMediaTypeError(contentType, accepted),
  tooLarge: (limit) => new PayloadTooLargeError(limit),
};

/**
 * The body's bytes: 415 unless its media type is one of `accepted`, 413 past `limit` bytes
 * (checked on Content-Length before reading, and while reading).
 */
export async function readBytes(request: Request, accepted: readonly string[], limit = BODY_LIMIT, refusals = USUAL_REFUSALS): Promise<Uint8Array> {
  const contentType = request.headers.get("content-type") ?? "";
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  if (!accepted.includes(mediaType)) throw refusals.unsupported(contentType, mediaType, accepted);
  const length = request.headers.get("content-length");
  const declared = length === null ? NaN : Number(length);
  if (declared > limit) {
    const reader = request.body?.getReader();
    if (reader) await (declared <= BODY_LIMIT ? discard(reader, 0) : reader.cancel().catch(() => undefined));
    throw refusals.tooLarge(limit);
  }
  if (request.body && declared >= 0) {
    // Framed by its length (at most `limit`): read whole, natively. Checked again, in case a
    // caller built a request whose body is longer than its header says.
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limit) throw refusals.tooLarge(limit);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await discard(reader, size);
        throw refusals.tooLarge(limit);
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads and drops the rest of a refused body, so the 413 reaches a client still sending it
 * (answering mid-upload resets the connection, and the client sees a reset, not the reason);
 * no more than the control API reads for any request: past that, the upload is cut off.
 */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>, seen: number): Promise<void> {
  try {
    while (seen <= BODY_LIMIT) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away: nothing to answer.
  }
}

// Stateless between whole-buffer decodes: one per isolate.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The body as text: `readBytes`' refusals, and 400 unless UTF-8. */
export async function readText(request: Request, accepted: readonly string[], limit = BODY_LIMIT): Promise<string> {
  const bytes = await readBytes(request, accepted, limit);
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new MalformedRequestError("the body is not UTF-8 text");
  }
}

/** A JSON body checked against `schema`; 400 with field paths when it does not fit. */
export async function readJson<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  const value = parseJsonBody(await readText(request, JSON_CONTENT_TYPES));
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new MalformedRequestError(
      "the body does not fit the request schema",
      result.error.issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(body)", message: issue.message })),
    );
  }
  return result.data;
}

/**
 * JSON text as a value: 400 unless JSON, 413 `limit_exceeded` past the parser's nesting or
 * key length limits (resources/parse-limits.ts), for every JSON route.
 */
export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedRequestError(`the body is not JSON: ${(error as Error).message}`);
  }
  try {
    checkValueShape(value, "(body)");
  } catch (error) {
    if (error instanceof ParseLimitError) throw new LimitExceededError(error.message, error.details);
    throw error;
  }
  return value;
}
