// Per-isolate series storage. A series is interned once, when first seen (its labels are
// joined into a key only then), and gets a numeric id; after that a request costs two map
// lookups by values it already holds (status code, flags string) and typed-array
// increments. Labels are built per series at flush time, never per request.
import type { SeriesAggregate } from "../../contracts/telemetry/batch.ts";
import { MAX_SERIES } from "../../contracts/telemetry/limits.ts";
import { ISTIO_BUCKETS } from "../../contracts/telemetry/histogram.ts";
import { factLabels, ISTIO_LABELS, seriesKey, type SeriesFacts } from "../../contracts/telemetry/labels.ts";

const SLOTS = ISTIO_BUCKETS.length + 1; // per histogram, the +Inf bucket included
const HISTOGRAMS = 3; // duration, request bytes, response bytes

/**
 * A reporter's view of one pair of workloads: every Istio label but the per-request ones
 * (response code, flags, security policy). Interned by the table; the layers cache it per
 * snapshot so that a request never rebuilds it.
 */
export class SeriesSide {
  /** Series ids by `responseCode * 2 + mutualTls`, then by response flags. */
  readonly ids = new Map<number, Map<string, number>>();
  /** The table generation the ids belong to; older ids are void. */
  generation = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    /** `name.namespace` of the destination service, the key tap sessions use. */
    readonly tapDestination: string,
    /** The side returned once the table is full: its requests are counted as dropped. */
    readonly overflow = false,
  ) {}
}

export class SeriesTable {
  /** Requests not counted because their series would have exceeded the limit. */
  dropped = 0;
  private readonly sides = new Map<string, SeriesSide>();
  private readonly full = new SeriesSide({}, "", true);
  private size = 0;
  private generation = 0;
  private sideOf: SeriesSide[] = [];
  private flags: string[] = [];
  private code = new Uint16Array(64);
  private mtls = new Uint8Array(64);
  private requests = new Float64Array(64);
  private buckets = new Float64Array(64 * HISTOGRAMS * SLOTS);
  private sums = new Float64Array(64 * HISTOGRAMS);
  /** Ids counted since the last take, in first-seen order. */
  private active: number[] = [];

  constructor(readonly limit = MAX_SERIES) {}

  /** Series with requests since the last take. */
  get activeCount(): number {
    return this.active.length;
  }

  /** The interned side of `facts` (labels built here, once per distinct side). */
  side(facts: SeriesFacts): SeriesSide {
    const labels = factLabels(facts);
    const key = seriesKey(labels);
    let side = this.sides.get(key);
    if (side) return side;
    if (this.sides.size >= this.limit) return this.full;
    side = new SeriesSide(labels, `${facts.destination.serviceName}.${facts.destination.serviceNamespace}`);
    this.sides.set(key, side);
    return side;
  }

  /** Counts one request; false when its series is over the limit (counted in `dropped`). */
  add(side: SeriesSide, responseCode: number, flags: string, mutualTls: boolean, durationMs: number, requestBytes: number, responseBytes: number): boolean {
    const id = this.idOf(side, responseCode, flags, mutualTls);
    if (id < 0) {
      this.dropped += 1;
      return false;
    }
    if (this.requests[id] === 0) this.active.push(id);
    this.requests[id] += 1;
    this.observe(id, 0, durationMs);
    this.observe(id, 1, requestBytes);
    this.observe(id, 2, responseBytes);
    return true;
  }

  /** Every series counted since the last take, with its labels, and a fresh start. */
  take(): SeriesAggregate[] {
    const out: SeriesAggregate[] = [];
    for (const id of this.active) {
      out.push({
        labels: this.labelsOf(id),
        requests: this.requests[id],
        duration: this.histogram(id, 0),
        requestBytes: this.histogram(id, 1),
        responseBytes: this.histogram(id, 2),
      });
      this.requests[id] = 0;
      this.buckets.fill(0, id * HISTOGRAMS * SLOTS, (id + 1) * HISTOGRAMS * SLOTS);
      this.sums.fill(0, id * HISTOGRAMS, (id + 1) * HISTOGRAMS);
    }
    this.active = [];
    // Ids and sides stay between flushes (steady traffic re-uses them); past half the limit
    // they start over, so that series seen once (a flood) give their room back. Sides the
    // layers still cache then hold ids of an old generation, which are void.
    if (this.size > this.limit / 2 || this.sides.size > this.limit / 2) this.forget();
    return out;
  }

  private idOf(side: SeriesSide, responseCode: number, flags: string, mutualTls: boolean): number {
    if (side.overflow) return -1;
    if (side.generation !== this.generation) {
      side.ids.clear();
      side.generation = this.generation;
    }
    const outcome = responseCode * 2 + (mutualTls ? 1 : 0);
    let byFlags = side.ids.get(outcome);
    const found = byFlags?.get(flags);
    if (found !== undefined) return found;
    if (this.size >= this.limit) return -1;
    if (!byFlags) side.ids.set(outcome, (byFlags = new Map()));
    const id = this.size++;
    if (id === this.code.length) this.grow();
    byFlags.set(flags, id);
    this.sideOf[id] = side;
    this.flags[id] = flags;
    this.code[id] = responseCode;
    this.mtls[id] = mutualTls ? 1 : 0;
    return id;
  }

  private observe(id: number, histogram: number, value: number): void {
    let i = 0;
    while (i < ISTIO_BUCKETS.length && value > ISTIO_BUCKETS[i]) i++;
    this.buckets[(id * HISTOGRAMS + histogram) * SLOTS + i] += 1;
    this.sums[id * HISTOGRAMS + histogram] += value;
  }

  private histogram(id: number, histogram: number) {
    const from = (id * HISTOGRAMS + histogram) * SLOTS;
    return { counts: Array.from(this.buckets.subarray(from, from + SLOTS)), sum: this.sums[id * HISTOGRAMS + histogram] };
  }

  // Istio's label order, the per-request labels in their places.
  private labelsOf(id: number): Record<string, string> {
    const side = this.sideOf[id].labels;
    const labels: Record<string, string> = {};
    for (const name of ISTIO_LABELS) {
      if (name === "response_code") labels[name] = String(this.code[id]);
      else if (name === "response_flags") labels[name] = this.flags[id];
      else if (name === "connection_security_policy") labels[name] = this.mtls[id] ? "mutual_tls" : "none";
      else labels[name] = side[name];
    }
    return labels;
  }

  private grow(): void {
    const capacity = Math.min(this.code.length * 2, this.limit);
    const widen = <T extends Float64Array | Uint16Array | Uint8Array>(from: T, make: (n: number) => T, per = 1): T => {
      const to = make(capacity * per);
      to.set(from);
      return to;
    };
    this.code = widen(this.code, (n) => new Uint16Array(n));
    this.mtls = widen(this.mtls, (n) => new Uint8Array(n));
    this.requests = widen(this.requests, (n) => new Float64Array(n));
    this.buckets = widen(this.buckets, (n) => new Float64Array(n), HISTOGRAMS * SLOTS);
    this.sums = widen(this.sums, (n) => new Float64Array(n), HISTOGRAMS);
  }

  private forget(): void {
    this.generation += 1;
    this.sides.clear();
    this.size = 0;
    this.sideOf = [];
    this.flags = [];
  }
}
