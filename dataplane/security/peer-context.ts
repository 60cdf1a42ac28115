import type { Peer } from "../inbound/call.ts";

// Keyed by the Request object handed to the service handler: only code holding that very
// object can ask, and nothing the caller sends can set it.
const peers = new WeakMap<Request, Peer>();

/** Records the verified caller for the request the service handler receives. */
export function bindPeer(request: Request, peer: Peer): void {
  peers.set(request, peer);
}

/**
 * The verified caller of a request inside a meshed handler: `principal` (SPIFFE ID),
 * `namespace`, `serviceAccount`, and the end user (`requestPrincipal`, `claims`) when a
 * RequestAuthentication verified one. Empty when the caller proved nothing (PERMISSIVE or
 * DISABLE); undefined for a request that did not come through the mesh.
 */
export function getPeer(request: Request): Readonly<Peer> | undefined {
  return peers.get(request);
}
