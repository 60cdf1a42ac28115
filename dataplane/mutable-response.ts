// Responses whose headers this isolate may write: the ones the mesh built, copied, or found
// writable. A Response from fetch or a service binding has immutable headers (workerd throws
// "Can't modify immutable headers"), and so may one from service code that forwards such a one.
const mutable = new WeakSet<Response>();

// Never a real header: deleting it changes nothing, and throws exactly where writes do.
const PROBE = "x-isthmus-writable-probe";

/**
 * The response, with headers this hop may set in place: itself when the mesh built it (or
 * copied it before) or its headers are writable (one the service made), otherwise one copy,
 * which later writers of the same hop then reuse.
 * A WebSocket upgrade (101) cannot be copied without losing its socket: check before.
 */
export function mutableResponse(response: Response): Response {
  if (mutable.has(response)) return response;
  if (!fetched.has(response)) {
    try {
      response.headers.delete(PROBE);
      mutable.add(response);
      return response;
    } catch {
      // Immutable after all: copied below.
    }
  }
  const copy = new Response(response.body, response);
  mutable.add(copy);
  return copy;
}

// Responses known to have immutable headers: probing one would throw, and a throw costs
// more than the copy it decides on.
const fetched = new WeakSet<Response>();

/** Records a response from fetch or a service binding (immutable headers): its writers copy it without probing. */
export function fetchedResponse(response: Response): Response {
  fetched.add(response);
  return response;
}

/** Records a response the mesh built itself (an error, a redirect) as writable in place. */
export function meshBuilt(response: Response): Response {
  mutable.add(response);
  return response;
}
