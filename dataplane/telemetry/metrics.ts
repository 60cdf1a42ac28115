// In-isolate aggregation of Istio's standard metrics. The data plane records every request
// here (no I/O); a flush, due on a size or time bound, hands back one batch that the caller
// ships in waitUntil. Nothing is written to storage per request.
import { emptyHistogram, mergeHistogram, observe } from "./histogram.ts";
import { dropLabels, istioLabels, seriesKey, type RequestSample } from "./labels.ts";
import { redactPath } from "./redact.ts";
import type { MeshCounter, SeriesAggregate, TapEvent, TelemetryBatch } from "./batch.ts";

export type FlushPolicy = {
  /** Flush when this many requests were recorded since the last flush. */
  maxRequests: number;
  /** Flush when this many distinct label sets are held. */
  maxSeries: number;
  /** Flush when the oldest unflushed record is this old. */
  intervalMs: number;
  /** Shorter interval while a tapped service has pending summaries (tap latency). */
  tapIntervalMs: number;
  /** Most tap summaries held between flushes; more are dropped (tap is a sample). */
  maxTapEvents: number;
};

export const DEFAULT_FLUSH_POLICY: FlushPolicy = {
  maxRequests: 1000,
  maxSeries: 500,
  intervalMs: 5000,
  tapIntervalMs: 1000,
  maxTapEvents: 200,
};

/** Facts about the isolate's config that ride along with each batch. */
export type SnapshotFacts = {
  snapshotVersion: number | null;
  snapshotGeneratedAt: string | null;
  /** Epoch ms when this isolate began routing by that snapshot. */
  snapshotAppliedAt: number | null;
  /** Milliseconds since the isolate fetched (or revalidated) the snapshot it routes by. */
  snapshotAgeMs: number | null;
  stale: boolean;
};

export type MetricsRecorderOptions = {
  /** The reporting workload, e.g. "reviews-v2" or "istio-ingressgateway". */
  workload: string;
  policy?: Partial<FlushPolicy>;
  /** Labels dropped before aggregation (the data-plane side of ISTHMUS_DROP_LABELS). */
  dropLabels?: string[];
  now?: () => number;
};

/** Per-isolate metrics aggregation; keep one in module scope. */
export class MetricsRecorder {
  readonly isolate = crypto.randomUUID();
  readonly policy: FlushPolicy;
  private readonly workload: string;
  private readonly dropped: string[];
  private readonly now: () => number;
  private series = new Map<string, SeriesAggregate>();
  private counters = new Map<string, MeshCounter>();
  private tapEvents: TapEvent[] = [];
  private tapped = new Set<string>();
  private requests = 0;
  private oldest: number | null = null;

  constructor(options: MetricsRecorderOptions) {
    this.workload = options.workload;
    this.policy = { ...DEFAULT_FLUSH_POLICY, ...options.policy };
    this.dropped = options.dropLabels ?? [];
    this.now = options.now ?? Date.now;
  }

  /** Counts one request as seen by one reporter. Call once per request per reporter. */
  recordRequest(sample: RequestSample): void {
    const labels = dropLabels(istioLabels(sample), this.dropped) as Record<string, string>;
    const key = seriesKey(labels);
    let aggregate = this.series.get(key);
    if (!aggregate) {
      aggregate = {
        labels,
        requests: 0,
        duration: emptyHistogram(),
        requestBytes: emptyHistogram(),
        responseBytes: emptyHistogram(),
      };
      this.series.set(key, aggregate);
    }
    aggregate.requests += 1;
    observe(aggregate.duration, sample.durationMs);
    observe(aggregate.requestBytes, sample.requestBytes);
    observe(aggregate.responseBytes, sample.responseBytes);
    this.requests += 1;
    this.oldest ??= this.now();
    this.recordTap(sample);
  }

  /** Counts a request refused by peer or end-user authentication, by reason code. */
  recordAuthnFailure(reason: string): void {
    this.count("isthmus_authn_failures_total", { reason });
  }

  /** Counts a request denied by an AuthorizationPolicy. */
  recordAuthzDenial(policy: string): void {
    this.count("isthmus_authz_denials_total", { policy });
  }

  /** Services to tap, as the control plane replied to the last flush. */
  setTapped(services: readonly string[]): void {
    this.tapped = new Set(services);
  }

  /** True when a flush is due by the size or time bound. */
  isDue(now = this.now()): boolean {
    if (this.oldest === null) return false;
    if (this.requests >= this.policy.maxRequests || this.series.size >= this.policy.maxSeries) return true;
    const interval = this.tapEvents.length > 0 ? this.policy.tapIntervalMs : this.policy.intervalMs;
    return now - this.oldest >= interval;
  }

  /** Everything recorded since the last flush, and a fresh start; null when nothing was. */
  takeBatch(facts: SnapshotFacts): TelemetryBatch | null {
    if (this.oldest === null) return null;
    const batch: TelemetryBatch = {
      isolate: this.isolate,
      workload: this.workload,
      ...facts,
      series: [...this.series.values()],
      counters: [...this.counters.values()],
      tap: this.tapEvents,
    };
    this.series = new Map();
    this.counters = new Map();
    this.tapEvents = [];
    this.requests = 0;
    this.oldest = null;
    return batch;
  }

  /** Merges a batch that could not be shipped back in, so the next flush carries it. */
  restore(batch: TelemetryBatch): void {
    for (const s of batch.series) {
      const key = seriesKey(s.labels);
      const held = this.series.get(key);
      if (held) {
        held.requests += s.requests;
        mergeHistogram(held.duration, s.duration);
        mergeHistogram(held.requestBytes, s.requestBytes);
        mergeHistogram(held.responseBytes, s.responseBytes);
      } else if (this.series.size < this.policy.maxSeries * 4) {
        this.series.set(key, s);
      }
      this.requests += s.requests;
    }
    for (const c of batch.counters) {
      const key = c.name + seriesKey(c.labels);
      const held = this.counters.get(key);
      if (held) held.value += c.value;
      else this.counters.set(key, c);
    }
    this.oldest ??= this.now();
  }

  private count(name: MeshCounter["name"], extra: Record<string, string>): void {
    const labels = { destination_workload: this.workload, ...extra };
    const key = name + seriesKey(labels);
    const held = this.counters.get(key);
    if (held) held.value += 1;
    else this.counters.set(key, { name, labels, value: 1 });
    this.oldest ??= this.now();
  }

  private recordTap(sample: RequestSample): void {
    if (this.tapped.size === 0 || this.tapEvents.length >= this.policy.maxTapEvents) return;
    const d = sample.destination;
    const destination = `${d.serviceName}.${d.serviceNamespace}`;
    if (!this.tapped.has(destination)) return;
    this.tapEvents.push({
      time: new Date(this.now()).toISOString(),
      reporter: sample.reporter,
      source: sample.source.workload ?? "unknown",
      destination,
      destinationVersion: d.version ?? "unknown",
      method: sample.method ?? "",
      path: redactPath(sample.path ?? "").slice(0, 2048),
      responseCode: sample.responseCode,
      responseFlags: sample.responseFlags || "-",
      durationMs: sample.durationMs,
      traceId: sample.traceId,
    });
  }
}
