// The headers the mesh itself writes and trusts: its identity and proof headers (all under
// one prefix, dataplane/security/credential-headers.ts) and the forwarded-identity headers
// of Envoy and SPIFFE. The gateway strips them from outside traffic; no resource may write
// them, or a route could forge a caller's identity or a callee's proof.

/** Every header of the mesh's own protocol starts with this. */
export const MESH_HEADER_PREFIX = "x-isthmus-";

/** Forwarded client identity, as Envoy and SPIFFE-aware services read it. */
export const FORWARDED_IDENTITY_HEADERS: readonly string[] = ["x-forwarded-client-cert", "x-spiffe-id"];

/** Whether only the mesh may write this header (case-insensitive). */
export function isMeshOwnedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith(MESH_HEADER_PREFIX) || FORWARDED_IDENTITY_HEADERS.includes(lower);
}
