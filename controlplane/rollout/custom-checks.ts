// Custom analysis checks: a figure read from the stats API (`/v1/stats?service=...&window=...`),
// computed in-process by the route's own function; checks that ask for the same service
// and window share one read of the series store.
import type { Env } from "../env.ts";
import { parseWindow, type VersionStats } from "../telemetry/stats.ts";
import { readServiceStats } from "../telemetry/stats-window.ts";
import { seriesStore, type SeriesStoreEnv } from "../telemetry/store.ts";
import { figureAt } from "./figure-at.ts";
import type { Rollout } from "../../resources/rollout.ts";

/**
 * Each custom check's number: the answer of its stats query with `versions` keyed by version,
 * read at `field` (dotted, default `versions.<canary version>.successRate`); null when absent.
 */
export async function customFigures(env: Env, rollout: Rollout, canaryVersion: string, now: number): Promise<Record<string, number | null>> {
  const store = seriesStore(env as SeriesStoreEnv);
  const answers = new Map<string, Promise<VersionStats[]>>();
  const out: Record<string, number | null> = {};
  for (const check of rollout.spec.analysis.custom ?? []) {
    const url = new URL(check.query, "http://stats");
    const service = url.searchParams.get("service") ?? rollout.spec.service;
    const namespace = url.searchParams.get("namespace") ?? rollout.metadata.namespace;
    let windowMs: number;
    try {
      windowMs = parseWindow(url.searchParams.get("window") ?? undefined);
    } catch {
      out[check.name] = null;
      continue;
    }
    const key = JSON.stringify([service, namespace, windowMs]);
    if (!answers.has(key)) answers.set(key, readServiceStats(store, { service, namespace }, windowMs, now));
    const versions: Record<string, VersionStats> = {};
    for (const v of await answers.get(key)!) versions[v.version] = v;
    out[check.name] = figureAt({ service, namespace, versions }, check.field ?? `versions.${canaryVersion}.successRate`);
  }
  return out;
}
