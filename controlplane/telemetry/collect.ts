// Gathers what /metrics shows: Istio's request metrics from the series store (every shard,
// or Analytics Engine; merged again after the operator's label drops) and, from every
// shard, the data-plane isolates seen and the mesh counters. A source that fails (a shard,
// the series store) is reported in isthmus_metrics_source_up, not by failing /metrics.
import type { MeshCounter, SeriesAggregate } from "../../contracts/telemetry/batch.ts";
import { seriesKey } from "../../contracts/telemetry/labels.ts";
import type { IsolateSeen } from "./telemetry-object.ts";
import type { Exposition, Sample } from "./exposition.ts";
import { allShards, shardCount, type TelemetryNamespace } from "./shards.ts";
import { mergeSeries, seriesStore, type SeriesStoreEnv } from "./store.ts";

/** Adds Istio's standard request metrics and the data-plane figures to `out`; answers the sources' up samples. */
export async function collectMeshMetrics(env: SeriesStoreEnv, dropped: string[], out: Exposition, now = Date.now()): Promise<Sample[]> {
  const store = seriesStore(env);
  const shards = env.TELEMETRY ? allShards(env.TELEMETRY as unknown as TelemetryNamespace, shardCount(env)) : [];
  const up: Sample[] = [];
  const [totals, perShard] = await Promise.all([
    store.totals().then(
      (series) => (up.push({ labels: { source: "telemetry_series" }, value: 1 }), series),
      (error): SeriesAggregate[] => {
        console.warn(JSON.stringify({ msg: "metrics: telemetry series unavailable", error: String(error) }));
        up.push({ labels: { source: "telemetry_series" }, value: 0 });
        return [];
      },
    ),
    Promise.allSettled(shards.map(async (s) => { const [counters, isolates] = await Promise.all([s.counters(), s.isolates()]); return { counters, isolates }; })),
  ]);
  perShard.forEach((result, i) => up.push({ labels: { source: "telemetry_shard", shard: `shard-${i}` }, value: result.status === "fulfilled" ? 1 : 0 }));
  const read = perShard.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const counters = sumCounters(read.flatMap((r) => r.counters));
  const isolates = read.flatMap((r) => r.isolates);
  const series = mergeSeries(totals, dropped);
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
      store.bytes ? series.map((s) => ({ labels: s.labels, histogram: s.requestBytes })) : [],
    )
    .histogram(
      "istio_response_bytes",
      "HTTP response body sizes in bytes.",
      store.bytes ? series.map((s) => ({ labels: s.labels, histogram: s.responseBytes })) : [],
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
  return up;
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

/** One counter per name and label set: the same counter may come from several shards. */
function sumCounters(counters: MeshCounter[]): MeshCounter[] {
  const summed = new Map<string, MeshCounter>();
  for (const c of counters) {
    const key = c.name + seriesKey(c.labels);
    const held = summed.get(key);
    if (held) held.value += c.value;
    else summed.set(key, { ...c });
  }
  return [...summed.values()];
}
