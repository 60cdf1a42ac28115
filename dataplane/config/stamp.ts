import { mutableResponse } from "../mutable-response.ts";

/** Response header carrying the snapshot version a request was routed by. */
export const SNAPSHOT_HEADER = "x-isthmus-snapshot";
/** Response header present (`1`) when the data plane served last-known-good config. */
export const STALE_HEADER = "x-isthmus-stale";

/** The response with the snapshot headers set (in place when this hop may write them, see mutableResponse). */
export function stampSnapshot(response: Response, version: number, stale: boolean): Response {
  // A WebSocket upgrade cannot be copied without losing its socket: pass it through as is.
  if (response.status === 101) return response;
  const out = mutableResponse(response);
  out.headers.set(SNAPSHOT_HEADER, String(version));
  if (stale) out.headers.set(STALE_HEADER, "1");
  else out.headers.delete(STALE_HEADER);
  return out;
}
