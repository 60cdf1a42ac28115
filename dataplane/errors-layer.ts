import type { Layer } from "./layer.ts";
import { meshBuilt } from "./mutable-response.ts";
import { MeshError } from "./traffic/mesh-error.ts";
import type { ResponseFlag } from "./traffic/response-flags.ts";

/**
 * Turns a `MeshError` thrown by any deeper layer into the mesh's error response and
 * records its flags on the call; other errors propagate (they are bugs, reported as such).
 * A deeper layer may throw before its first await: caught alike.
 */
export function meshErrorResponses<C extends { flags: ResponseFlag[] }>(): Layer<C> {
  return (request, call, next) => {
    const answer = (error: unknown): Response => {
      if (!(error instanceof MeshError)) throw error;
      call.flags.push(...error.flags);
      return meshBuilt(error.toResponse());
    };
    try {
      return next(request, call).catch(answer);
    } catch (error) {
      return Promise.reject(error).catch(answer);
    }
  };
}
