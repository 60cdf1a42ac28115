// Gathers what /metrics shows from every Telemetry object: Istio's request metrics from
// all shards (merged again after the operator's label drops) and the mesh-wide figures of
// the meta object.
import { mergeHistogram } from "../../dataplane/telemetry/histogram.ts";
import { dropLabels, seriesKey } from "../../dataplane/telemetry/labels.ts";
import type { SeriesAggregate } from "../../dataplane/telemetry/batch.ts";
import type { IsolateSeen } from "../../durable-objects/telemetry.ts";
import { Exposition } from "./exposition.ts";
import { allShards, META, shardStub, type TelemetryNamespace } from "./shards.ts";

/** Adds Istio's standard request metrics and the data-plane figures to `out`. */
export async function collectMeshMetrics(ns: TelemetryNamespace, dropped: string[], out: Exposition, now = Date.now()): Promise<void> {
  const meta = shardStub(ns, META);
  const [shardTotals, shardCounters, isolates, meshCounters] = await Promise.all([
    Promise.all(allShards(ns).map((s) => s.totals())),
    Promise.all(allShards(ns).map((s) => s.counters())),
    meta.isolates(),
    meta.counters(),
  ]);
  // Shards count only the series they dropped; the meta object all the rest.
  const counters = [...meshCounters, ...shardCounters.flat()];
  const series = mergeSeries(shardTotals.flat(), dropped);
  out
    .counter(
      "istio_requests_total",
      "Requests handled by a mesh proxy (Isthmus data-plane layer).",
      series.map((s) => ({ labels: s.labels, value: s.requests })),
    )
    .histogram(
      "istio_request_duration_milliseconds",
      "Duration of requests in milliseconds.",
      series.map((s) => ({ labels: s.labels, histogram: s.duration })),
    )
    .histogram(
      "istio_request_bytes",
      "HTTP request body sizes in bytes.",
      series.map((s) => ({ labels: s.labels, histogram: s.requestBytes })),
    )
    .histogram(
      "istio_response_bytes",
      "HTTP response body sizes in bytes.",
      series.map((s) => ({ labels: s.labels, histogram: s.responseBytes })),
    );

  const byName = (name: string) => counters.filter((c) => c.name === name).map((c) => ({ labels: c.labels, value: c.value }));
  out
    .counter("isthmus_authn_failures_total", "Requests refused by authentication, by reason code.", byName("isthmus_authn_failures_total"))
    .counter("isthmus_authz_denials_total", "Requests denied by an AuthorizationPolicy.", byName("isthmus_authz_denials_total"))
    .counter(
      "isthmus_telemetry_series_dropped_total",
      "Requests left out of istio_* metrics because their series was over the limit of an isolate (stage=isolate) or a telemetry shard (stage=shard).",
      byName("isthmus_telemetry_series_dropped_total"),
    );
  isolateMetrics(isolates, out, now);
}

function isolateMetrics(isolates: IsolateSeen[], out: Exposition, now: number): void {
  const labels = (i: IsolateSeen) => ({ isolate: i.isolate, workload: i.workload, namespace: i.namespace });
  out.gauge(
    "isthmus_dataplane_snapshot_version",
    "Snapshot version each data-plane isolate seen in the last 10 minutes routes by.",
    isolates.filter((i) => i.snapshotVersion !== null).map((i) => ({ labels: labels(i), value: i.snapshotVersion! })),
  );
  out.gauge(
    "isthmus_dataplane_snapshot_age_seconds",
    "Push age: seconds since the isolate last fetched or revalidated its snapshot (as of now).",
    isolates
      .filter((i) => i.snapshotAgeMs !== null)
      .map((i) => ({ labels: labels(i), value: (i.snapshotAgeMs! + (now - i.lastSeen)) / 1000 })),
  );
  out.gauge(
    "isthmus_dataplane_stale",
    "1 while the isolate serves its last-known-good snapshot because the control plane was unreachable.",
    isolates.map((i) => ({ labels: labels(i), value: i.stale ? 1 : 0 })),
  );
  out.gauge(
    "isthmus_dataplane_last_report_age_seconds",
    "Seconds since the isolate's last telemetry flush.",
    isolates.map((i) => ({ labels: labels(i), value: (now - i.lastSeen) / 1000 })),
  );
  out.gauge(
    "isthmus_config_propagation_seconds",
    "Seconds from a snapshot's generation to the isolate's routing by it.",
    isolates.flatMap((i) => {
      if (i.snapshotGeneratedAt === null || i.snapshotAppliedAt === null) return [];
      const seconds = (i.snapshotAppliedAt - Date.parse(i.snapshotGeneratedAt)) / 1000;
      return Number.isFinite(seconds) ? [{ labels: { ...labels(i), version: String(i.snapshotVersion) }, value: Math.max(0, seconds) }] : [];
    }),
  );
}

/** Series equal after dropping labels are summed (a drop may merge shards' series). */
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
  return [...merged.values()].sort((a, b) => (seriesKey(a.labels) < seriesKey(b.labels) ? -1 : 1));
}
