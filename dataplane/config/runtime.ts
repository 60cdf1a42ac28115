import type { Snapshot } from "../../snapshot/schema.ts";
import { acceptSnapshot } from "./accept.ts";
import { SnapshotCache, type SnapshotStore } from "./cache.ts";
import { compileMesh, type CompiledMesh } from "./compiled.ts";
import { httpSource, rpcSource, type MeshPeerStub, type SnapshotSource } from "./source.ts";

/** The bindings and vars a data-plane Worker reads to reach its config. */
export interface ConfigEnv {
  /** Service binding to the control plane's `MeshPeer` entrypoint (RPC `snapshot`). */
  ISTHMUS_CONTROL?: MeshPeerStub & { fetch?(request: Request): Promise<Response> };
  /** Pull over HTTP instead (`GET {url}/v1/snapshot`); through ISTHMUS_CONTROL's fetch when bound. */
  ISTHMUS_CONTROL_URL?: string;
  /** Bearer token for the HTTP pull. */
  ISTHMUS_CONTROL_TOKEN?: string;
  /** KV namespace keeping the last-known-good snapshot for cold isolates. */
  ISTHMUS_SNAPSHOTS?: SnapshotStore;
  /** Revalidation interval in ms (default 1000). */
  ISTHMUS_REFRESH_MS?: string;
}

export type MeshConfigCache = SnapshotCache<Snapshot, CompiledMesh>;

/** Raised when a data-plane Worker has no way to reach the control plane. */
export class ControlPlaneNotConfiguredError extends Error {
  readonly code = "control_plane_not_configured";
  constructor() {
    super("bind ISTHMUS_CONTROL (MeshPeer entrypoint) or set ISTHMUS_CONTROL_URL");
    this.name = "ControlPlaneNotConfiguredError";
  }
}

function sourceFrom(env: ConfigEnv): SnapshotSource {
  const binding = env.ISTHMUS_CONTROL;
  if (env.ISTHMUS_CONTROL_URL) {
    const viaBinding = binding?.fetch ? (request: Request) => binding.fetch!(request) : undefined;
    return httpSource(env.ISTHMUS_CONTROL_URL, env.ISTHMUS_CONTROL_TOKEN, viaBinding);
  }
  if (binding) return rpcSource(binding);
  throw new ControlPlaneNotConfiguredError();
}

/**
 * The isolate's config cache, created on first use from the Worker's env (bindings exist
 * only at request time) and kept in module scope for the life of the isolate.
 */
export function meshConfigCache(env: ConfigEnv, refreshMs?: number): MeshConfigCache {
  cache ??= new SnapshotCache({
    source: sourceFrom(env),
    store: env.ISTHMUS_SNAPSHOTS,
    refreshMs: refreshMs ?? (env.ISTHMUS_REFRESH_MS ? Number(env.ISTHMUS_REFRESH_MS) : undefined),
    accept: acceptSnapshot,
    compile: compileMesh,
  });
  return cache;
}

let cache: MeshConfigCache | undefined;
