// Responses whose headers this isolate may write: the ones the mesh built or copied. A
// Response from fetch or a service binding has immutable headers (workerd throws "Can't
// modify immutable headers"), and so may one from service code that forwards such a one.
const mutable = new WeakSet<Response>();

/**
 * The response, with headers this hop may set in place: itself when the mesh built it (or
 * copied it before), otherwise one copy, which later writers of the same hop then reuse.
 * A WebSocket upgrade (101) cannot be copied without losing its socket: check before.
 */
export function mutableResponse(response: Response): Response {
  if (mutable.has(response)) return response;
  const copy = new Response(response.body, response);
  mutable.add(copy);
  return copy;
}

/** Records a response the mesh built itself (an error, a redirect) as writable in place. */
export function meshBuilt(response: Response): Response {
  mutable.add(response);
  return response;
}
