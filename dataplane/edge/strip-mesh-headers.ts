import type { OutboundLayer } from "../outbound/call.ts";

/** Headers only the mesh may set; a request from outside must not bring its own. */
const MESH_ONLY = ["x-forwarded-client-cert", "x-spiffe-id", "x-isthmus-peer", "x-isthmus-identity"];

/** Removes identity the caller could have forged: every `x-isthmus-*` header and forwarded client identity. */
export const stripIdentityHeaders: OutboundLayer = (request, call, next) => {
  const names = [...request.headers.keys()].filter((name) => name.startsWith("x-isthmus-") || MESH_ONLY.includes(name));
  if (names.length === 0) return next(request, call);
  const headers = new Headers(request.headers);
  for (const name of names) headers.delete(name);
  return next(new Request(request, { headers }), call);
};
