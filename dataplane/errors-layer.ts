import type { Layer } from "./layer.ts";
import { meshBuilt } from "./mutable-response.ts";
import { MeshError } from "./traffic/mesh-error.ts";
import type { ResponseFlag } from "./traffic/response-flags.ts";

/**
 * Turns a `MeshError` thrown by any deeper layer into the mesh's error response and
 * records its flags on the call; other errors propagate (they are bugs, reported as such).
 */
export function meshErrorResponses<C extends { flags: ResponseFlag[] }>(): Layer<C> {
  return async (request, call, next) => {
    try {
      return await next(request, call);
    } catch (error) {
      if (!(error instanceof MeshError)) throw error;
      call.flags.push(...error.flags);
      return meshBuilt(error.toResponse());
    }
  };
}
