// Custom analysis checks: a figure read from the stats API (`/v1/stats?service=...&window=...`),
// computed in-process from the same series store the route reads.
import type { Env } from "../env.ts";
import { parseWindow, serviceStats, type VersionStats } from "../telemetry/stats.ts";
import { seriesStore, type SeriesStoreEnv } from "../telemetry/store.ts";
import { figureAt } from "./figure-at.ts";
import { BUCKET_MS } from "../telemetry/telemetry-object.ts";
import type { Rollout } from "../../resources/rollout.ts";

/**
 * Each custom check's number: the answer of its stats query with `versions` keyed by version,
 * read at `field` (dotted, default `versions.<canary version>.successRate`); null when absent.
 */
export async function customFigures(env: Env, rollout: Rollout, canaryVersion: string, now: number): Promise<Record<string, number | null>> {
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
    const since = Math.ceil((now - windowMs) / BUCKET_MS) * BUCKET_MS;
    const series = await seriesStore(env as SeriesStoreEnv).window(since, { service, namespace }, now);
    const versions: Record<string, VersionStats> = {};
    for (const v of serviceStats(series, service, namespace, (now - since) / 1000)) versions[v.version] = v;
    out[check.name] = figureAt({ service, namespace, versions }, check.field ?? `versions.${canaryVersion}.successRate`);
  }
  return out;
}
