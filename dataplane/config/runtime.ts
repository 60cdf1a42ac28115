import type { Snapshot } from "../../contracts/snapshot/schema.ts";
import { dueReport } from "./binding-report.ts";
import type { SnapshotCache, SnapshotStore } from "./cache.ts";
import type { CompiledMesh } from "./compiled.ts";
import { locationSource } from "./location-source.ts";
import { httpSource, httpStamp, rpcSource, rpcStamp, type MeshPeerStub, type SnapshotSource } from "./source.ts";

/** The bindings and vars a data-plane Worker reads to reach its config. */
export interface ConfigEnv {
  /** Service binding to the control plane's `MeshPeer` entrypoint (RPC `snapshot`). */
  ISTHMUS_CONTROL?: MeshPeerStub & { fetch?(request: Request): Promise<Response> };
  /** Pull over HTTP instead (`GET {url}/v1/snapshot`); through ISTHMUS_CONTROL's fetch when bound. */
  ISTHMUS_CONTROL_URL?: string;
  /** Bearer token for the HTTP pull. */
  ISTHMUS_CONTROL_TOKEN?: string;
  /** KV namespace holding the last-known-good snapshot (written by the control plane), read on a cold start. */
  ISTHMUS_SNAPSHOTS?: SnapshotStore;
  /** Revalidation interval in ms (default 1000; with ISTHMUS_CONFIG_CACHE, ISTHMUS_STAMP_MS). */
  ISTHMUS_REFRESH_MS?: string;
  /**
   * Share config per location through this Cache API cache (`caches.open(name)`): one isolate
   * per location asks the control plane for the version stamp every ISTHMUS_STAMP_MS, and
   * each snapshot crosses to a location once, by hash. Unset: every isolate asks itself.
   */
  ISTHMUS_CONFIG_CACHE?: string;
  /** How long a location's stamp is trusted before one isolate renews it, ms (default 250). */
  ISTHMUS_STAMP_MS?: string;
  /** How old a location's stamp may be while the control plane is unreachable, ms (default 10 000). */
  ISTHMUS_MAX_STALE_MS?: string;
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

function directSource(env: ConfigEnv): SnapshotSource {
  const binding = env.ISTHMUS_CONTROL;
  // The Worker's binding names ride along now and then: the control plane checks routes against them.
  const report = dueReport(env as Record<string, unknown>);
  if (env.ISTHMUS_CONTROL_URL) {
    const viaBinding = binding?.fetch ? (request: Request) => binding.fetch!(request) : undefined;
    return httpSource(env.ISTHMUS_CONTROL_URL, env.ISTHMUS_CONTROL_TOKEN, viaBinding, report);
  }
  if (binding) return rpcSource(binding, report);
  throw new ControlPlaneNotConfiguredError();
}

function stampOf(env: ConfigEnv): () => Promise<unknown> {
  const binding = env.ISTHMUS_CONTROL;
  if (env.ISTHMUS_CONTROL_URL) {
    return httpStamp(env.ISTHMUS_CONTROL_URL, env.ISTHMUS_CONTROL_TOKEN, binding?.fetch ? (request) => binding.fetch!(request) : undefined);
  }
  return rpcStamp(binding!);
}

/** Where an env's snapshots come from: the control plane directly, or through the location's cache. */
export function configSource(env: ConfigEnv): SnapshotSource {
  const bodies = directSource(env);
  const name = env.ISTHMUS_CONFIG_CACHE;
  if (!name) return bodies;
  // Opened per call: a Cache object is not carried from one request to the next.
  const cache = {
    match: async (key: string) => (await caches.open(name)).match(key),
    put: async (key: string, response: Response) => (await caches.open(name)).put(key, response),
  };
  return locationSource({ cache, bodies, stamp: stampOf(env), stampMs: numberVar(env.ISTHMUS_STAMP_MS), maxStaleMs: numberVar(env.ISTHMUS_MAX_STALE_MS) });
}

const numberVar = (value: string | undefined) => (value ? Number(value) : undefined);

/** The revalidation interval an env asks for (undefined: the cache's default). */
export function refreshMsOf(env: ConfigEnv): number | undefined {
  return numberVar(env.ISTHMUS_REFRESH_MS) ?? (env.ISTHMUS_CONFIG_CACHE ? numberVar(env.ISTHMUS_STAMP_MS) ?? 250 : undefined);
}
