// The window `/v1/stats` reads, shared with the rollout's custom checks so both read the
// same span. Apart from stats.ts, whose figures are pure (and load outside workerd).
import { serviceStats, type VersionStats } from "./stats.ts";
import type { SeriesStore } from "./store.ts";
import { BUCKET_MS } from "./telemetry-object.ts";

/**
 * Where a window of `windowMs` ending `now` starts: buckets are 10 s wide, so it covers the
 * whole buckets that start inside it (a custom check reads the same span as `/v1/stats`).
 */
export function windowStart(windowMs: number, now: number): number {
  return Math.ceil((now - windowMs) / BUCKET_MS) * BUCKET_MS;
}

/** `/v1/stats`' versions: one service's series over a window, read once, per version. */
export async function readServiceStats(store: Pick<SeriesStore, "window">, target: { service: string; namespace: string }, windowMs: number, now: number): Promise<VersionStats[]> {
  const since = windowStart(windowMs, now);
  const series = await store.window(since, target, now);
  return serviceStats(series, target.service, target.namespace, (now - since) / 1000);
}
