import type { OutboundLayer } from "../outbound/call.ts";
import { TIMEOUT_HEADERS } from "../traffic/timeout.ts";

/** Headers only the mesh may set: identity, and Envoy's controls over timeouts and retries. */
const MESH_ONLY = new Set<string>([
  "x-forwarded-client-cert",
  "x-spiffe-id",
  ...TIMEOUT_HEADERS,
  "x-envoy-retriable-status-codes",
  "x-envoy-max-retries",
]);

/**
 * At the edge, removes what a client outside the mesh must not bring: every `x-isthmus-*`
 * header (identity, tokens, mesh facts), forwarded client identity, and Envoy's
 * timeout/retry control headers.
 */
export const stripMeshHeaders: OutboundLayer = (request, call, next) => {
  const names = [...request.headers.keys()].filter((name) => name.startsWith("x-isthmus-") || MESH_ONLY.has(name));
  if (names.length === 0) return next(request, call);
  const headers = new Headers(request.headers);
  for (const name of names) headers.delete(name);
  return next(new Request(request, { headers }), call);
};
