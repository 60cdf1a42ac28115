import { compose } from "../layer.ts";
import { meshErrorResponses } from "../errors-layer.ts";
import type { OutboundCall, OutboundHandler, OutboundLayer } from "./call.ts";
import { circuitBreaker } from "./circuit-breaker.ts";
import { chooseDestination } from "./destination.ts";
import { dispatch } from "./terminal.ts";
import { chooseEndpoint } from "./endpoint.ts";
import { injectFault } from "./fault.ts";
import { applyHeaders } from "./headers.ts";
import { mirror } from "./mirror.ts";
import { answerRedirect } from "./redirect.ts";
import { retry } from "./retry.ts";
import { rewrite } from "./rewrite.ts";
import { matchRoute } from "./route.ts";

/**
 * The places of the outbound stack that the security and telemetry layers fill; an empty
 * slot passes the request on.
 */
export interface OutboundSlots {
  /** Before telemetry, outermost (the gateway: the request's form, which every layer after reads). */
  front?: OutboundLayer[];
  /** Outermost but for `front`: sees every request, its final response and flags. */
  telemetry?: OutboundLayer;
  /** Edge layers inside the mesh error responses, before route match (the gateway's path, servers, edge security). */
  beforeRoute?: OutboundLayer[];
  /** Edge layers that run after the route is known (CORS at the gateway). */
  afterRoute?: OutboundLayer[];
  /** Per attempt, endpoint known: attaches the caller's identity (JWT-SVID) for the destination. */
  identity?: OutboundLayer;
  /** Per attempt: trace context and the attempt's span. */
  trace?: OutboundLayer;
}

/**
 * The outbound stack, Envoy's router in small layers, behind one mesh error layer: (the
 * edge's front and its layers before route,) route match, edge extras, redirect,
 * fault, destination (weights / sticky), rewrite, headers, mirror, timeouts and retries;
 * then per attempt: circuit breaker, endpoint (load balancer minus ejected), identity,
 * trace, dispatch. An empty slot is no layer at all.
 */
export function outboundStack(slots: OutboundSlots = {}): OutboundHandler {
  const attempt = compose<OutboundCall>([circuitBreaker, chooseEndpoint, ...filled(slots.identity), ...filled(slots.trace)], dispatch);
  return compose<OutboundCall>(
    [
      ...(slots.front ?? []),
      ...filled(slots.telemetry),
      meshErrorResponses(),
      ...(slots.beforeRoute ?? []),
      matchRoute,
      ...(slots.afterRoute ?? []),
      answerRedirect,
      injectFault,
      chooseDestination,
      rewrite,
      applyHeaders,
      mirror(attempt),
      retry,
    ],
    attempt,
  );
}

function filled(slot: OutboundLayer | undefined): OutboundLayer[] {
  return slot ? [slot] : [];
}
