// The state one isolate keeps from request to request, in one object the entrypoint creates
// and every call carries (`call.isolate`): a property read on the hot path, and two runtimes
// in one process (tests, two wrapped handlers) never share balancer positions or slots.
import { acceptSnapshot } from "./config/accept.ts";
import { SnapshotCache } from "./config/cache.ts";
import { compileMesh } from "./config/compiled.ts";
import { configSource, refreshMsOf, type ConfigEnv, type MeshConfigCache } from "./config/runtime.ts";
import type { SubsetState } from "./outbound/endpoint.ts";
import type { Slots } from "./outbound/circuit-breaker.ts";
import type { RetryBudget } from "./traffic/retry-budget.ts";
import type { IsolateTelemetry } from "./telemetry/isolate.ts";
import { SplitterCache } from "./traffic/weighted-split.ts";
import { BoundedMap } from "./bounded-map.ts";
import { SecurityState } from "./security/security-state.ts";

/**
 * Caps of the isolate's keyed caches. Keys are destination subsets and hosts, which come and
 * go with snapshots: without a cap an isolate living through many versions keeps the state of
 * every subset it ever saw. Past the cap the oldest entry goes; evicting only resets that
 * subset's balancer position and ejections (rebuilt on its next request).
 */
export const ISOLATE_CACHE_LIMITS = { subsets: 4096, retryBudgets: 4096, splitRoutes: 4096 } as const;

/** One retry budget per destination host, with the settings it was built from. */
export interface HeldRetryBudget {
  settings: unknown;
  signature: string;
  budget: RetryBudget;
}

/** What a data-plane isolate keeps across requests. Create one per entrypoint. */
export class IsolateState {
  /** Load-balancer positions, in-flight counts and outlier ejections per subset key (capped). */
  readonly subsets = new BoundedMap<string, SubsetState>(ISOLATE_CACHE_LIMITS.subsets);
  /** Weighted-split positions per route (capped): the 90/10 split holds across requests. */
  readonly splitters = new SplitterCache(undefined, ISOLATE_CACHE_LIMITS.splitRoutes);
  /** Retry budgets per destination host (capped). */
  readonly retryBudgets = new BoundedMap<string, HeldRetryBudget>(ISOLATE_CACHE_LIMITS.retryBudgets);
  /**
   * Retries outstanding per subset key. Not capped: an entry lives only while a retry is in
   * flight (deleted at zero), so it is bounded by concurrency, and evicting one would break
   * `maxRetries`.
   */
  readonly outstandingRetries = new Map<string, number>();
  /** Requests in flight and waiting per subset key; like outstandingRetries, only while any are. */
  readonly connectionSlots = new Map<string, Slots>();
  /** Credentials, trust bundle, sessions, pair keys and replay cache of the security layers (capped). */
  readonly security = new SecurityState();
  /** Telemetry plan, recorder and tracer, made from the first request's env (telemetry/isolate.ts). */
  telemetry: IsolateTelemetry | undefined;
  #config: MeshConfigCache | undefined;

  /**
   * The isolate's config cache, created on first use from the Worker's env (bindings exist
   * only at request time) and kept for the life of the isolate.
   */
  config(env: ConfigEnv, refreshMs?: number): MeshConfigCache {
    this.#config ??= new SnapshotCache({
      source: configSource(env),
      store: env.ISTHMUS_SNAPSHOTS,
      refreshMs: refreshMs ?? refreshMsOf(env),
      accept: acceptSnapshot,
      compile: compileMesh,
    });
    return this.#config;
  }
}
