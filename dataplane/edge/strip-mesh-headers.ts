import { isMeshOwnedHeader } from "../../resources/mesh-headers.ts";
import { TIMEOUT_HEADERS } from "../traffic/timeout.ts";

/** Envoy's controls over timeouts and retries: a client outside the mesh may not set them. */
const ENVOY_CONTROLS = new Set<string>([...TIMEOUT_HEADERS, "x-envoy-retriable-status-codes", "x-envoy-max-retries"]);

/**
 * Whether the edge removes this request header (a lower-case name, as Headers iterates
 * them): what a client outside the mesh must not bring, every `x-isthmus-*` header
 * (identity, tokens, mesh facts), forwarded client identity, and Envoy's timeout/retry
 * control headers.
 */
export function strippedAtEdge(name: string): boolean {
  return isMeshOwnedHeader(name) || ENVOY_CONTROLS.has(name);
}
