// In-isolate aggregation of Istio's standard metrics. The data plane records every request
// here (no I/O, and no label building: see series.ts); a flush, due on a size or time
// bound, hands back the batches that the caller ships in waitUntil. Nothing is written to
// storage per request.
//
// Each batch is counted at most once: it carries the isolate's id and a sequence number,
// and the telemetry shard ignores one it applied already. A shipment given up (unanswered
// for a flush interval) may still land, so it goes again unchanged, under the same id, and
// whichever copy lands second is ignored. A shipment refused in time was not stored, so it
// is merged into the next batch instead.
import { mergeHistogram } from "../../contracts/telemetry/histogram.ts";
import { dropLabels, seriesKey, type RequestSample, type SeriesFacts } from "../../contracts/telemetry/labels.ts";
import { redactPath } from "../../reporting/redact.ts";
import { MAX_SERIES } from "../../contracts/telemetry/limits.ts";
import { SeriesTable, type SeriesSide } from "./series.ts";
import type { SnapshotSides } from "./sides.ts";
import type { MeshCounter, SeriesAggregate, TapEvent, TelemetryBatch } from "../../contracts/telemetry/batch.ts";

export type FlushPolicy = {
  /** Flush when this many requests were recorded since the last flush. */
  maxRequests: number;
  /** Flush when this many distinct label sets are held. */
  maxSeries: number;
  /** Most series held at all; requests of series beyond it are counted as dropped. */
  seriesLimit: number;
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
  seriesLimit: MAX_SERIES,
  intervalMs: 5000,
  tapIntervalMs: 1000,
  maxTapEvents: 200,
};

/** Batches given up that are kept to go again: at most this many, and this many flushes' worth of series. */
const KEPT_FLUSHES = 4;

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

/** What a tap summary says beyond the series: the request itself. */
export type TapFacts = { responseCode: number; responseFlags: string; durationMs: number; method?: string; path?: string; traceId?: string };

/** Per-isolate metrics aggregation; one per isolate, held in its IsolateState (telemetry/isolate.ts). */
export class MetricsRecorder {
  readonly isolate = crypto.randomUUID();
  readonly policy: FlushPolicy;
  /** Series sides the layers cache per snapshot (sides.ts), so no request builds labels. */
  readonly snapshotSides = new WeakMap<object, SnapshotSides>();
  private readonly workload: string;
  private readonly dropped: string[];
  private readonly now: () => number;
  private readonly table: SeriesTable;
  /** Series of batches refused in time, merged into the next one. */
  private restored = new Map<string, SeriesAggregate>();
  /** Batches given up, oldest first: they go again, unchanged, with the next flush. */
  private again: TelemetryBatch[] = [];
  /** Copies that went again: their fate once given up is unknown, so they never merge. */
  private readonly resent = new WeakSet<TelemetryBatch>();
  /** Number of the last batch taken; batches are numbered from 1. */
  private seq = 0;
  private counters = new Map<string, MeshCounter>();
  private tapEvents: TapEvent[] = [];
  private tapped = new Set<string>();
  /** Batches shipped and not answered yet, with when they left. */
  private readonly inFlight = new Map<TelemetryBatch, number>();
  private requests = 0;
  private oldest: number | null = null;

  constructor(options: MetricsRecorderOptions) {
    this.workload = options.workload;
    this.policy = { ...DEFAULT_FLUSH_POLICY, ...options.policy };
    this.dropped = options.dropLabels ?? [];
    this.now = options.now ?? Date.now;
    this.table = new SeriesTable(this.policy.seriesLimit);
  }

  /** Counts one request as seen by one reporter. Call once per request per reporter. */
  recordRequest(sample: RequestSample): void {
    const side = this.side(sample);
    this.count(side, sample.responseCode, sample.responseFlags, sample.mutualTls, sample.durationMs, sample.requestBytes, sample.responseBytes);
    if (this.tapping(side)) this.tap(side, sample);
  }

  /** The interned series side of `facts`; cache it (per snapshot) rather than call this per request. */
  side(facts: SeriesFacts): SeriesSide {
    return this.table.side(facts);
  }

  /** Counts one request of `side`: the per-request path, no allocation once the series exists. */
  count(side: SeriesSide, responseCode: number, responseFlags: string, mutualTls: boolean, durationMs: number, requestBytes: number, responseBytes: number): void {
    this.table.add(side, responseCode, responseFlags || "-", mutualTls, durationMs, requestBytes, responseBytes);
    this.requests += 1;
    this.oldest ??= this.now();
  }

  /** True when a tap session wants summaries of `side`'s destination (build them only then). */
  tapping(side: SeriesSide): boolean {
    return this.tapped.size > 0 && this.tapEvents.length < this.policy.maxTapEvents && this.tapped.has(side.tapDestination);
  }

  /** Adds a tap summary of one request of `side` (after `tapping` said yes). */
  tap(side: SeriesSide, request: TapFacts): void {
    this.tapEvents.push({
      time: new Date(this.now()).toISOString(),
      reporter: side.labels.reporter,
      source: side.labels.source_workload,
      destination: side.tapDestination,
      destinationVersion: side.labels.destination_version,
      method: request.method ?? "",
      path: redactPath(request.path ?? "").slice(0, 2048),
      responseCode: request.responseCode,
      responseFlags: request.responseFlags || "-",
      durationMs: request.durationMs,
      traceId: request.traceId,
    });
  }

  /** Counts a request refused by peer or end-user authentication, by reason code. */
  recordAuthnFailure(reason: string): void {
    this.countEvent("isthmus_authn_failures_total", { reason });
  }

  /** Counts a request denied by an AuthorizationPolicy. */
  recordAuthzDenial(policy: string): void {
    this.countEvent("isthmus_authz_denials_total", { policy });
  }

  /** Services to tap, as the control plane replied to the last flush. */
  setTapped(services: readonly string[]): void {
    this.tapped = new Set(services);
  }

  /** True when a flush is due by the size or time bound. */
  isDue(now = this.now()): boolean {
    if (this.oldest === null) return false;
    // Batches kept from a refused or given-up flush wait for the time bound: a control plane
    // that keeps failing then sees one attempt per interval, not one per request.
    if (this.requests >= this.policy.maxRequests || this.table.activeCount >= this.policy.maxSeries) return true;
    const interval = this.tapEvents.length > 0 ? this.policy.tapIntervalMs : this.policy.intervalMs;
    return now - this.oldest >= interval;
  }

  /** Milliseconds until a flush is due by time alone; null when nothing is held. */
  dueInMs(now = this.now()): number | null {
    if (this.oldest === null) return null;
    const interval = this.tapEvents.length > 0 ? this.policy.tapIntervalMs : this.policy.intervalMs;
    return Math.max(0, this.oldest + interval - now);
  }

  /**
   * What a due flush ships, one call each: the batches given up (first, as they were) and a
   * new batch of everything recorded since the last flush, if anything was.
   */
  takeShipments(facts: SnapshotFacts): TelemetryBatch[] {
    const batch = this.takeBatch(facts);
    const again = this.again;
    this.again = [];
    return batch ? [...again, batch] : again;
  }

  /** Everything recorded since the last flush, numbered, and a fresh start; null when nothing was. */
  takeBatch(facts: SnapshotFacts): TelemetryBatch | null {
    if (this.oldest === null) return null;
    if (this.table.dropped > 0) {
      this.addCounter("isthmus_telemetry_series_dropped_total", { destination_workload: this.workload, stage: "isolate" }, this.table.dropped);
      this.table.dropped = 0;
    }
    // Labels are built here, per series: after an operator's drops, or next to a restored
    // batch, two ids may carry one label set, and the batch holds it once.
    const series = new Map(this.restored);
    for (const s of this.table.take()) mergeSeries(series, { ...s, labels: dropLabels(s.labels, this.dropped) as Record<string, string> });
    const counters = [...this.counters.values()];
    const tap = this.tapEvents;
    this.restored = new Map();
    this.counters = new Map();
    this.tapEvents = [];
    this.requests = 0;
    this.oldest = null;
    // Only batches to send again were due: no new batch, and no number spent.
    if (series.size === 0 && counters.length === 0 && tap.length === 0) return null;
    this.seq += 1;
    return { isolate: this.isolate, seq: this.seq, workload: this.workload, ...facts, series: [...series.values()], counters, tap };
  }

  /** Notes that `batch` left for the control plane. */
  shipped(batch: TelemetryBatch): void {
    this.inFlight.set(batch, this.now());
  }

  /** The control plane stored `batch` (or had already): a copy of it waiting to go again stays home. */
  landed(batch: TelemetryBatch): void {
    this.inFlight.delete(batch);
    this.again = this.again.filter((kept) => kept.seq !== batch.seq);
  }

  /**
   * The control plane refused `batch`, so the next flush carries it: merged into the new
   * batch when this was its first trip (it was not stored), or again under its own id when
   * it had been given up once (an earlier copy may still land). False when `batch` itself
   * had been given up already: its copy goes again anyway.
   */
  refused(batch: TelemetryBatch): boolean {
    if (!this.inFlight.delete(batch)) return false;
    if (this.resent.has(batch)) this.sendAgain(batch);
    else this.restore(batch);
    return true;
  }

  /**
   * Gives up shipments unanswered for a flush interval (a telemetry shard lost or slow, or a
   * request context that ended under them): they may still land, so each goes again, under
   * its own id, with the next flush, and the shard applies whichever copy lands first.
   */
  expireShipments(now = this.now()): void {
    for (const [batch, at] of this.inFlight) {
      if (now - at < this.policy.intervalMs) continue;
      this.inFlight.delete(batch);
      this.sendAgain(batch);
    }
  }

  // Merges a refused batch back in. Kept series are bounded (see `keptSeries`); the requests
  // of the rest are counted as dropped.
  private restore(batch: TelemetryBatch): void {
    let dropped = 0;
    for (const s of batch.series) {
      if (this.keptSeries() < this.policy.maxSeries * KEPT_FLUSHES || this.restored.has(seriesKey(s.labels))) mergeSeries(this.restored, s);
      else dropped += s.requests;
    }
    for (const c of batch.counters) this.addCounter(c.name, c.labels, c.value);
    if (dropped > 0) this.countFlushDropped(dropped);
    this.oldest ??= this.now();
  }

  // Keeps a given-up batch to go again with the next flush, without its tap summaries (a live
  // sample, stale by then). Past KEPT_FLUSHES batches or flushes' worth of series it is counted
  // as dropped instead, counters and all: it may still land, and then its requests are in both.
  private sendAgain(batch: TelemetryBatch): void {
    if (this.again.some((kept) => kept.seq === batch.seq)) return;
    if (this.again.length >= KEPT_FLUSHES || this.keptSeries() + batch.series.length > this.policy.maxSeries * KEPT_FLUSHES) {
      this.countFlushDropped(batch.series.reduce((n, s) => n + s.requests, 0));
      return;
    }
    const copy = { ...batch, tap: [] };
    this.resent.add(copy);
    this.again.push(copy);
    // Due by the time bound: a control plane that keeps failing sees one attempt per interval.
    this.oldest ??= this.now();
  }

  // Series held for the next flush, merged or to go again: at most KEPT_FLUSHES flushes' worth.
  private keptSeries(): number {
    return this.again.reduce((n, b) => n + b.series.length, this.restored.size);
  }

  private countFlushDropped(requests: number): void {
    if (requests === 0) return;
    this.addCounter("isthmus_telemetry_series_dropped_total", { destination_workload: this.workload, stage: "flush" }, requests);
    this.oldest ??= this.now();
  }

  private countEvent(name: MeshCounter["name"], extra: Record<string, string>): void {
    this.addCounter(name, { destination_workload: this.workload, ...extra }, 1);
    this.oldest ??= this.now();
  }

  private addCounter(name: MeshCounter["name"], labels: Record<string, string>, value: number): void {
    const key = name + seriesKey(labels);
    const held = this.counters.get(key);
    if (held) held.value += value;
    else this.counters.set(key, { name, labels, value });
  }
}

function mergeSeries(into: Map<string, SeriesAggregate>, s: SeriesAggregate): void {
  const key = seriesKey(s.labels);
  const held = into.get(key);
  if (!held) {
    into.set(key, s);
    return;
  }
  held.requests += s.requests;
  mergeHistogram(held.duration, s.duration);
  mergeHistogram(held.requestBytes, s.requestBytes);
  mergeHistogram(held.responseBytes, s.responseBytes);
}
