import { copyRequest } from "../request-url.ts";
import type { OutboundCall } from "./call.ts";

/** Header changes the layers of one attempt ask for (identity credentials, trace context, source claim). */
export interface UpstreamHeaderEdits {
  /** Removed first. */
  remove: string[];
  /** Then set, in order. */
  set: [name: string, value: string][];
}

/**
 * What the matched route changes about the request, once per request (not per attempt):
 * the rewritten URL and header operations, applied in order after `remove`/`set`.
 */
export interface RouteEdits extends UpstreamHeaderEdits {
  /** The URL after `rewrite`. */
  url?: URL;
  /** Header operations of the route and destination (Istio's `headers.request`). */
  operations: ((headers: Headers) => void)[];
}

/**
 * The edits of this attempt, created on first use: a layer that needs a header on the
 * upstream request records it here instead of copying the Request itself.
 */
export function editUpstreamHeaders(call: OutboundCall): UpstreamHeaderEdits {
  return (call.upstreamHeaders ??= { remove: [], set: [] });
}

/** The route's edits of this request, created on first use (rewrite, header rules). */
export function editRoute(call: OutboundCall): RouteEdits {
  return (call.routeEdits ??= { remove: [], set: [], operations: [] });
}

/**
 * The request as the route makes it: the URL and header edits the route's layers recorded,
 * in one copy of the Request (none when the route changes nothing). Consumes the edits:
 * everything after (mirror, retries, every attempt) sees and sends this request.
 */
export function routedRequest(request: Request, call: OutboundCall): Request {
  const edits = call.routeEdits;
  if (!edits) return request;
  call.routeEdits = undefined;
  const headers = editedHeaders(request, edits);
  for (const operate of edits.operations) operate(headers);
  return copyRequest(request, headers, edits.url);
}

/**
 * The request as it leaves this hop: the attempt's header edits applied in one copy of the
 * Request (none when no layer asked for one), so a hop pays for one Request however many
 * layers add headers. Consumes the edits: the next attempt records its own.
 */
export function upstreamRequest(request: Request, call: OutboundCall): Request {
  const edits = call.upstreamHeaders;
  if (!edits) return request;
  call.upstreamHeaders = undefined;
  return copyRequest(request, editedHeaders(request, edits));
}

function editedHeaders(request: Request, edits: UpstreamHeaderEdits): Headers {
  const headers = new Headers(request.headers);
  applyHeaderEdits(headers, edits);
  return headers;
}

/** Applies recorded edits to writable headers: removals first, then sets in order. */
export function applyHeaderEdits(headers: Headers, edits: UpstreamHeaderEdits): void {
  for (const name of edits.remove) headers.delete(name);
  for (const [name, value] of edits.set) headers.set(name, value);
}
