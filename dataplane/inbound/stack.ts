import { compose } from "../layer.ts";
import { meshErrorResponses } from "../errors-layer.ts";
import type { InboundCall, InboundHandler, InboundLayer } from "./call.ts";
import { handlerRequest } from "./handler-request.ts";
import { normalizeInboundPath } from "./normalize.ts";

/**
 * The places of the inbound stack that the security and telemetry layers fill. Each is a
 * layer; an empty slot passes the request on unchanged (PERMISSIVE, unobserved).
 */
export interface InboundSlots {
  /** Outermost: sees every request, the final response and its flags. */
  telemetry?: InboundLayer;
  /** Verifies the caller's identity (JWT-SVID) and fills `call.peer`. */
  authenticate?: InboundLayer;
  /** Evaluates AuthorizationPolicy against `call.peer` and the request. */
  authorize?: InboundLayer;
  /** Rate limiting, after authorization. */
  rateLimit?: InboundLayer;
}

/**
 * The inbound stack in front of a service handler: telemetry, mesh error responses, path
 * normalization, authentication, authorization, rate limit, then the handler, which sees
 * the header edits the layers recorded (handler-request.ts) in one copy of the request.
 */
export function inboundStack(handler: InboundHandler, slots: InboundSlots = {}): (request: Request, call: InboundCall) => Promise<Response> {
  return compose<InboundCall>(
    [
      ...filled(slots.telemetry),
      meshErrorResponses(),
      normalizeInboundPath,
      ...filled(slots.authenticate),
      ...filled(slots.authorize),
      ...filled(slots.rateLimit),
    ],
    (request, call) => handler(handlerRequest(request, call), call),
  );
}

function filled(slot: InboundLayer | undefined): InboundLayer[] {
  return slot ? [slot] : [];
}
