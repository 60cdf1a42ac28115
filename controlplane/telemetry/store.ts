// Where Istio's request series are read from: every Telemetry shard (merged), or Workers
// Analytics Engine through its SQL API when the ISTHMUS_ANALYTICS dataset is bound. The
// /metrics, /v1/stats routes and the rollout controller read through this one interface.
import type { SeriesAggregate } from "../../contracts/telemetry/batch.ts";
import { emptyHistogram, mergeHistogram } from "../../contracts/telemetry/histogram.ts";
import { dropLabels, seriesKey } from "../../contracts/telemetry/labels.ts";
import type { ServiceFilter, WindowSeries } from "./telemetry-object.ts";
import { analyticsQueryConfig, parseSeriesRows, queryAnalytics, seriesQuery, type AnalyticsEnv } from "./analytics-engine.ts";
import { allShards, shardCount, type ShardEnv, type TelemetryNamespace } from "./shards.ts";

export type SeriesStoreEnv = ShardEnv & AnalyticsEnv & { TELEMETRY?: DurableObjectNamespace };

export interface SeriesStore {
  /** Whether request and response byte histograms are kept (not by Analytics Engine). */
  readonly bytes: boolean;
  /** Cumulative series (of one service with `filter`), one per label set. */
  totals(filter?: ServiceFilter): Promise<SeriesAggregate[]>;
  /** Series summed since `sinceMs` (a multiple of 10 s), one per label set. */
  window(sinceMs: number, filter?: ServiceFilter, now?: number): Promise<WindowSeries[]>;
}

/** The store the env configures: Analytics Engine when bound, else the Telemetry shards. */
export function seriesStore(env: SeriesStoreEnv, fetcher: typeof fetch = fetch): SeriesStore {
  if (env.ISTHMUS_ANALYTICS) {
    const query = async (options: Parameters<typeof seriesQuery>[1]) => {
      const config = analyticsQueryConfig(env);
      return parseSeriesRows(await queryAnalytics(config, seriesQuery(config.dataset, options), fetcher));
    };
    return {
      bytes: false,
      async totals(filter) {
        return (await query({ filter })).map((s) => ({ ...s, requestBytes: emptyHistogram(), responseBytes: emptyHistogram() }));
      },
      window(sinceMs, filter, now = Date.now()) {
        return query({ filter, sinceSeconds: Math.max(1, Math.ceil((now - sinceMs) / 1000)) });
      },
    };
  }
  const shards = () => allShards(env.TELEMETRY as unknown as TelemetryNamespace, shardCount(env));
  return {
    bytes: true,
    async totals(filter) {
      return mergeSeries((await Promise.all(shards().map((s) => s.totals(filter)))).flat(), []);
    },
    async window(sinceMs, filter) {
      return mergeWindows((await Promise.all(shards().map((s) => s.window(sinceMs, filter)))).flat());
    },
  };
}

/** Series equal after dropping labels are summed: a series lives in every shard its reporters hash to. */
export function mergeSeries(series: SeriesAggregate[], dropped: string[]): SeriesAggregate[] {
  const merged = new Map<string, SeriesAggregate>();
  for (const s of series) {
    const labels = dropLabels(s.labels, dropped) as Record<string, string>;
    const key = seriesKey(labels);
    const held = merged.get(key);
    if (!held) {
      merged.set(key, { ...s, labels });
      continue;
    }
    held.requests += s.requests;
    mergeHistogram(held.duration, s.duration);
    mergeHistogram(held.requestBytes, s.requestBytes);
    mergeHistogram(held.responseBytes, s.responseBytes);
  }
  // Sorted by the keys already built (the comparator built two per comparison before).
  return [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, series]) => series);
}

function mergeWindows(series: WindowSeries[]): WindowSeries[] {
  const merged = new Map<string, WindowSeries>();
  for (const s of series) {
    const key = seriesKey(s.labels);
    const held = merged.get(key);
    if (!held) merged.set(key, s);
    else {
      held.requests += s.requests;
      mergeHistogram(held.duration, s.duration);
    }
  }
  return [...merged.values()];
}
