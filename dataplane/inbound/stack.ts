import { compose } from "../layer.ts";
import { meshErrorResponses } from "../errors-layer.ts";
import type { InboundCall, InboundHandler, InboundLayer } from "./call.ts";
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

const pass: InboundLayer = (request, call, next) => next(request, call);

/**
 * The inbound stack in front of a service handler: telemetry, mesh error responses, path
 * normalization, authentication, authorization, rate limit, then the handler.
 */
export function inboundStack(handler: InboundHandler, slots: InboundSlots = {}): (request: Request, call: InboundCall) => Promise<Response> {
  return compose<InboundCall>(
    [
      slots.telemetry ?? pass,
      meshErrorResponses(),
      normalizeInboundPath,
      slots.authenticate ?? pass,
      slots.authorize ?? pass,
      slots.rateLimit ?? pass,
    ],
    handler,
  );
}
