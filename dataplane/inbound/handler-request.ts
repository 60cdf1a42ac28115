import { copyRequest } from "../request-url.ts";
import { applyHeaderEdits, type UpstreamHeaderEdits } from "../outbound/upstream-request.ts";
import type { InboundCall } from "./call.ts";

// Requests the inbound stack copied for the handler: their headers are this hop's to write.
const copied = new WeakSet<Request>();

/**
 * Header changes the inbound layers ask for on the request the handler sees (removing the
 * credentials and the telemetry claim, this hop's trace context), created on first use.
 * Layers in between see the request as it arrived, unless they decide on its headers
 * (authorization): those take `handlerRequest` first, and the handler gets that same copy.
 */
export function editHandlerHeaders(call: InboundCall): UpstreamHeaderEdits {
  return (call.handlerHeaders ??= { remove: [], set: [] });
}

/**
 * The request as the handler sees it: the recorded edits in one copy, none without edits;
 * on a request the inbound stack already copied, in place. Consumes the edits.
 */
export function handlerRequest(request: Request, call: InboundCall): Request {
  const edits = call.handlerHeaders;
  if (!edits) return request;
  call.handlerHeaders = undefined;
  if (copied.has(request)) {
    applyHeaderEdits(request.headers, edits);
    return request;
  }
  const headers = new Headers(request.headers);
  applyHeaderEdits(headers, edits);
  const copy = copyRequest(request, headers);
  copied.add(copy);
  return copy;
}


/**
 * The handler's request with one more header: set in place on the copy the inbound stack
 * made, else in a copy (a request as it arrived has immutable headers).
 */
export function withHandlerHeader(request: Request, name: string, value: string): Request {
  if (copied.has(request)) {
    request.headers.set(name, value);
    return request;
  }
  const headers = new Headers(request.headers);
  headers.set(name, value);
  const copy = copyRequest(request, headers);
  copied.add(copy);
  return copy;
}
