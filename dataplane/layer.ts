/**
 * A handler at some depth of a mesh stack: takes the request and the per-request call
 * state, answers with a response.
 */
export type Handler<C> = (request: Request, call: C) => Promise<Response>;

/**
 * One concern of a mesh stack (a filter, in Envoy's words): it may act on the request,
 * answer on its own, or pass it on to `next`, and may act on the response on the way back.
 */
export type Layer<C> = (request: Request, call: C, next: Handler<C>) => Promise<Response>;

/**
 * Builds a stack from an ordered list of layers in front of a terminal handler. The
 * first layer sees the request first. The chain is built once, not per request.
 */
export function compose<C>(layers: readonly Layer<C>[], terminal: Handler<C>): Handler<C> {
  return layers.reduceRight<Handler<C>>(
    (next, layer) => (request, call) => layer(request, call, next),
    terminal,
  );
}
