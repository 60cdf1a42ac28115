// Telemetry Durable Object. One class, two roles chosen by instance name:
// - "shard-N" instances each serve the data-plane isolates hashed to them (see
//   controlplane/telemetry/shards.ts): Istio metrics (cumulative series for /metrics, 10 s
//   buckets kept 1 h for /v1/stats windows; unless Analytics Engine holds the series), the
//   isolates seen (snapshot version, push age), authn/authz counters, the batches applied
//   per isolate (a batch sent again is applied once), and a copy of the services tapped now
//   (the isolates' flush replies name them).
// - the "meta" instance holds live tap sessions (SSE): it tells every shard when one starts,
//   and receives tap events from the isolates of a tapped service.
// Writes happen once per received batch, never per request.
import { DurableObject } from "cloudflare:workers";
import type { MeshCounter, SeriesAggregate, TapEvent } from "../../contracts/telemetry/batch.ts";
import { emptyHistogram, mergeHistogram, type Histogram } from "../../contracts/telemetry/histogram.ts";
import { dropLabels, parseDropLabels, seriesKey } from "../../contracts/telemetry/labels.ts";
import { MAX_SERIES } from "../../contracts/telemetry/limits.ts";
import { admitBatch, type Admission, type AppliedBatches } from "./applied-batches.ts";
import { allShards, shardCount, type TelemetryNamespace } from "./shards.ts";

export type TelemetryEnv = {
  ISTHMUS_DROP_LABELS?: string;
  /** Most series one shard holds (default MAX_SERIES, 10,000). */
  ISTHMUS_TELEMETRY_SERIES_LIMIT?: string;
  ISTHMUS_TELEMETRY_SHARDS?: string;
  /** The namespace of this class: the meta instance tells the shards of tap sessions. */
  TELEMETRY?: DurableObjectNamespace;
};

/** Series of one destination service only (`destination_service_name` and `_namespace`). */
export type ServiceFilter = { service: string; namespace: string };

/** Width of one time bucket of the recent-window ring. */
export const BUCKET_MS = 10_000;
/** How long recent buckets are kept; the longest /v1/stats window. */
export const RETENTION_MS = 3_600_000;
/** Isolates not heard from for this long are forgotten. */
const ISOLATE_TTL_MS = 600_000;
/** Longest tap session. */
export const MAX_TAP_SECONDS = 300;

/** A series' requests and latency summed over a recent window. */
export type WindowSeries = { labels: Record<string, string>; requests: number; duration: Histogram };

/** What the meta instance remembers about one data-plane isolate. */
export type IsolateSeen = {
  isolate: string;
  workload: string;
  namespace: string;
  serviceAccount: string;
  snapshotVersion: number | null;
  snapshotGeneratedAt: string | null;
  snapshotAppliedAt: number | null;
  snapshotAgeMs: number | null;
  stale: boolean;
  lastSeen: number;
};

/**
 * One batch, already attested by the MeshPeer entrypoint; `series` empty when Analytics
 * Engine holds them. `seq` numbers it among its isolate's batches (absent from data planes
 * of releases before it).
 */
export type IsolateReport = Omit<IsolateSeen, "lastSeen"> & { seq?: number; counters: MeshCounter[]; series: SeriesAggregate[] };

/** A shard's answer to a batch: the services tapped now, and false `applied` for a batch it had applied already. */
export type ReportReply = { tapped: string[]; applied: boolean };

type TapSession = { service: string; until: number; writer: WritableStreamDefaultWriter<Uint8Array> };

export class Telemetry extends DurableObject<TelemetryEnv> {
  private readonly sql: SqlStorage;
  private readonly dropped: string[];
  private readonly taps = new Set<TapSession>();
  /** Rows in `series`, counted once on first ingest. */
  private seriesCount: number | null = null;
  private readonly seriesLimit: number;

  constructor(ctx: DurableObjectState, env: TelemetryEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.dropped = parseDropLabels(env.ISTHMUS_DROP_LABELS);
    const limit = Number(env.ISTHMUS_TELEMETRY_SERIES_LIMIT);
    this.seriesLimit = Number.isInteger(limit) && limit > 0 ? limit : MAX_SERIES;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, labels TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS totals (series_id INTEGER PRIMARY KEY, requests INTEGER NOT NULL,
        duration TEXT NOT NULL, request_bytes TEXT NOT NULL, response_bytes TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS recent (bucket INTEGER NOT NULL, series_id INTEGER NOT NULL,
        requests INTEGER NOT NULL, duration TEXT NOT NULL, PRIMARY KEY (bucket, series_id));
      CREATE TABLE IF NOT EXISTS isolates (isolate TEXT PRIMARY KEY, seen TEXT NOT NULL, last_seen INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, name TEXT NOT NULL, labels TEXT NOT NULL, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS taps (service TEXT PRIMARY KEY, until INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS applied_batches (isolate TEXT PRIMARY KEY, floor INTEGER NOT NULL, above TEXT NOT NULL, last_seen INTEGER NOT NULL);
    `);
  }

  // ---- shard role -------------------------------------------------------------------

  /**
   * One isolate's flush, in one transaction: its series, what it says of itself and its
   * mesh counters. A batch applied already (sent again after its first shipment was given
   * up, which landed after all) changes nothing and is answered as if accepted. Answers the
   * services tapped now (the isolate then sends their summaries).
   */
  report(input: IsolateReport, shard = "shard"): ReportReply {
    const now = Date.now();
    const { counters, series, seq, ...seen } = input;
    let applied = true;
    this.ctx.storage.transactionSync(() => {
      const admission = seq === undefined ? "newest" : this.admit(seen.isolate, seq, now);
      if (admission === "duplicate") {
        applied = false;
        return;
      }
      this.ingest(series, shard, now);
      // A late batch (sent again) says older things of its isolate than one applied before it.
      if (admission === "newest") this.sql.exec("INSERT OR REPLACE INTO isolates (isolate, seen, last_seen) VALUES (?, ?, ?)", seen.isolate, JSON.stringify(seen), now);
      else this.sql.exec("UPDATE isolates SET last_seen = ? WHERE isolate = ?", now, seen.isolate);
      this.sql.exec("DELETE FROM isolates WHERE last_seen < ?", now - ISOLATE_TTL_MS);
      this.sql.exec("DELETE FROM applied_batches WHERE last_seen < ?", now - ISOLATE_TTL_MS);
      for (const c of counters) this.addCounter(c);
    });
    const tapped = this.sql.exec<{ service: string }>("SELECT service FROM taps WHERE until > ? ORDER BY service", now).toArray().map((row) => row.service);
    return { tapped, applied };
  }

  // Notes batch `seq` of `isolate` as applied unless it was (see applied-batches.ts for the bound).
  private admit(isolate: string, seq: number, now: number): Admission {
    const row = this.sql.exec<{ floor: number; above: string }>("SELECT floor, above FROM applied_batches WHERE isolate = ?", isolate).toArray()[0];
    const held: AppliedBatches | undefined = row && { floor: row.floor, above: JSON.parse(row.above) };
    const { admission, applied } = admitBatch(held, seq);
    if (admission !== "duplicate") {
      this.sql.exec(
        "INSERT OR REPLACE INTO applied_batches (isolate, floor, above, last_seen) VALUES (?, ?, ?, ?)",
        isolate,
        applied.floor,
        JSON.stringify(applied.above),
        now,
      );
    }
    return admission;
  }

  /** Set by the meta instance when a tap session starts: isolates learn of it in their next flush reply. */
  setTap(service: string, until: number): void {
    this.sql.exec("DELETE FROM taps WHERE until <= ?", Date.now());
    this.sql.exec("INSERT INTO taps (service, until) VALUES (?, ?) ON CONFLICT (service) DO UPDATE SET until = MAX(until, excluded.until)", service, until);
  }

  /**
   * Merges a batch's series into the cumulative totals and the current time bucket. A shard
   * holds at most `seriesLimit` series: the requests of new series past it are counted in
   * `isthmus_telemetry_series_dropped_total{stage="shard"}` instead (issue #14, class 6).
   */
  private ingest(series: SeriesAggregate[], shard: string, now: number): void {
    if (series.length === 0) return;
    const bucket = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    let dropped = 0;
    for (const s of series) {
      const labels = dropLabels(s.labels, this.dropped) as Record<string, string>;
      const id = this.seriesId(labels);
      if (id === null) {
        dropped += s.requests;
        continue;
      }
      const total = this.sql
        .exec<{ requests: number; duration: string; request_bytes: string; response_bytes: string }>(
          "SELECT requests, duration, request_bytes, response_bytes FROM totals WHERE series_id = ?",
          id,
        )
        .toArray()[0];
      this.sql.exec(
        "INSERT OR REPLACE INTO totals (series_id, requests, duration, request_bytes, response_bytes) VALUES (?, ?, ?, ?, ?)",
        id,
        (total?.requests ?? 0) + s.requests,
        merged(total?.duration, s.duration),
        merged(total?.request_bytes, s.requestBytes),
        merged(total?.response_bytes, s.responseBytes),
      );
      const recent = this.sql
        .exec<{ requests: number; duration: string }>(
          "SELECT requests, duration FROM recent WHERE bucket = ? AND series_id = ?",
          bucket,
          id,
        )
        .toArray()[0];
      this.sql.exec(
        "INSERT OR REPLACE INTO recent (bucket, series_id, requests, duration) VALUES (?, ?, ?, ?)",
        bucket,
        id,
        (recent?.requests ?? 0) + s.requests,
        merged(recent?.duration, s.duration),
      );
    }
    this.sql.exec("DELETE FROM recent WHERE bucket < ?", bucket - RETENTION_MS);
    if (dropped > 0) this.addCounter({ name: "isthmus_telemetry_series_dropped_total", labels: { stage: "shard", shard }, value: dropped });
  }

  /** Every series' cumulative totals (of one service with `filter`), for /metrics. */
  totals(filter?: ServiceFilter): SeriesAggregate[] {
    const [where, ...bindings] = ofService(filter);
    return this.sql
      .exec<{ labels: string; requests: number; duration: string; request_bytes: string; response_bytes: string }>(
        `SELECT s.labels, t.requests, t.duration, t.request_bytes, t.response_bytes FROM totals t JOIN series s ON s.id = t.series_id${where ? ` WHERE ${where}` : ""}`,
        ...bindings,
      )
      .toArray()
      .map((row) => ({
        labels: JSON.parse(row.labels),
        requests: row.requests,
        duration: JSON.parse(row.duration),
        requestBytes: JSON.parse(row.request_bytes),
        responseBytes: JSON.parse(row.response_bytes),
      }));
  }

  /** Series (of one service with `filter`) summed over the buckets that start at or after `sinceMs`. */
  window(sinceMs: number, filter?: ServiceFilter): WindowSeries[] {
    const bySeries = new Map<number, WindowSeries>();
    const [where, ...bindings] = ofService(filter);
    const rows = this.sql.exec<{ series_id: number; labels: string; requests: number; duration: string }>(
      `SELECT r.series_id, s.labels, r.requests, r.duration FROM recent r JOIN series s ON s.id = r.series_id WHERE r.bucket >= ?${where ? ` AND ${where}` : ""}`,
      sinceMs,
      ...bindings,
    );
    for (const row of rows) {
      let w = bySeries.get(row.series_id);
      if (!w) {
        w = { labels: JSON.parse(row.labels), requests: 0, duration: emptyHistogram() };
        bySeries.set(row.series_id, w);
      }
      w.requests += row.requests;
      mergeHistogram(w.duration, JSON.parse(row.duration));
    }
    return [...bySeries.values()];
  }

  /** Isolates (reporting to this shard) heard from within the last ten minutes. */
  isolates(): IsolateSeen[] {
    return this.sql
      .exec<{ seen: string; last_seen: number }>("SELECT seen, last_seen FROM isolates WHERE last_seen >= ?", Date.now() - ISOLATE_TTL_MS)
      .toArray()
      .map((row) => ({ ...JSON.parse(row.seen), lastSeen: row.last_seen }));
  }

  /** Cumulative mesh counters of this shard's isolates: authn failures, authz denials, series dropped. */
  counters(): MeshCounter[] {
    return this.sql
      .exec<{ name: MeshCounter["name"]; labels: string; value: number }>("SELECT name, labels, value FROM counters")
      .toArray()
      .map((row) => ({ name: row.name, labels: JSON.parse(row.labels), value: row.value }));
  }

  // ---- meta role --------------------------------------------------------------------

  /**
   * `GET /tap?service=name.namespace&seconds=N`: an SSE stream of request summaries for the
   * service until N seconds have passed. Every shard is told of the session first; isolates
   * learn of it in the reply to their next flush, so summaries start after at most one
   * flush interval.
   */
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const service = url.searchParams.get("service");
    const seconds = Math.min(Number(url.searchParams.get("seconds") ?? "30"), MAX_TAP_SECONDS);
    if (url.pathname !== "/tap" || !service || !(seconds > 0)) return new Response("not found", { status: 404 });
    const until = Date.now() + seconds * 1000;
    if (this.env.TELEMETRY) {
      // A shard that does not answer only misses this session: tap is a sample.
      const shards = allShards(this.env.TELEMETRY as unknown as TelemetryNamespace, shardCount(this.env));
      await Promise.allSettled(shards.map((shard) => shard.setTap(service, until)));
    }
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const session: TapSession = { service, until, writer: writable.getWriter() };
    this.taps.add(session);
    session.writer.write(sse("start", { service, seconds })).catch(() => this.taps.delete(session));
    setTimeout(() => this.endTap(session), seconds * 1000);
    return new Response(readable, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store" },
    });
  }

  /** Tap events of an isolate's flush, written to the sessions of their service. */
  publish(events: TapEvent[]): void {
    const now = Date.now();
    for (const session of this.taps) {
      if (session.until <= now) {
        this.endTap(session);
        continue;
      }
      for (const event of events) {
        if (event.destination !== session.service) continue;
        session.writer.write(sse("request", event)).catch(() => this.taps.delete(session));
      }
    }
  }

  private endTap(session: TapSession): void {
    if (!this.taps.delete(session)) return;
    session.writer
      .write(sse("end", { service: session.service }))
      .then(() => session.writer.close())
      .catch(() => {});
  }

  private addCounter(c: MeshCounter): void {
    this.sql.exec(
      "INSERT INTO counters (key, name, labels, value) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
      c.name + seriesKey(c.labels),
      c.name,
      JSON.stringify(c.labels),
      c.value,
    );
  }

  // null when the series is new and the shard is full.
  private seriesId(labels: Record<string, string>): number | null {
    const key = seriesKey(labels);
    const found = this.sql.exec<{ id: number }>("SELECT id FROM series WHERE key = ?", key).toArray()[0];
    if (found) return found.id;
    this.seriesCount ??= this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM series").one().n;
    if (this.seriesCount >= this.seriesLimit) return null;
    this.seriesCount += 1;
    return this.sql
      .exec<{ id: number }>("INSERT INTO series (key, labels) VALUES (?, ?) RETURNING id", key, JSON.stringify(labels))
      .one().id;
  }
}

// One service's series, chosen in SQL: rows of other services are neither returned nor parsed.
function ofService(filter: ServiceFilter | undefined): [string, ...string[]] | [] {
  if (!filter) return [];
  return ["json_extract(s.labels, '$.destination_service_name') = ? AND json_extract(s.labels, '$.destination_service_namespace') = ?", filter.service, filter.namespace];
}

function merged(stored: string | undefined, add: Histogram): string {
  if (!stored) return JSON.stringify(add);
  const h: Histogram = JSON.parse(stored);
  mergeHistogram(h, add);
  return JSON.stringify(h);
}

const encoder = new TextEncoder();
function sse(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
