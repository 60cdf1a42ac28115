import { NoSnapshotError } from "./config/cache.ts";
import { ControlPlaneNotConfiguredError, type ConfigEnv } from "./config/runtime.ts";
import type { IsolateState } from "./isolate.ts";
import type { ConfigView } from "./config/cache.ts";
import type { CompiledMesh } from "./config/compiled.ts";
import type { Snapshot } from "../contracts/snapshot/schema.ts";
import { MeshError } from "./traffic/mesh-error.ts";

/**
 * The config of one request, or the mesh's 503 (`no_snapshot`) when the isolate has none
 * at all and cannot get one. Without a promise once the isolate has a snapshot: a request
 * then waits on nothing here.
 */
export function requestConfig(
  isolate: IsolateState,
  env: ConfigEnv,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  refreshMs?: number,
): RequestConfig | Response | Promise<RequestConfig | Response> {
  const waitUntil = (promise: Promise<unknown>) => ctx.waitUntil(promise);
  try {
    const cache = isolate.config(env, refreshMs);
    return cache.ready(waitUntil) ?? cache.current(waitUntil).catch(unconfigured);
  } catch (error) {
    return unconfigured(error);
  }
}

type RequestConfig = ConfigView<Snapshot, CompiledMesh>;

function unconfigured(error: unknown): Response {
  if (error instanceof NoSnapshotError || error instanceof ControlPlaneNotConfiguredError) {
    return new MeshUnconfiguredError(error.message).toResponse();
  }
  throw error;
}

/** The data plane has no snapshot yet and cannot get one (503). */
export class MeshUnconfiguredError extends MeshError {
  constructor(message: string) {
    super("no_snapshot", 503, [], message);
  }
}
