// OTLP/HTTP JSON trace export (POST <endpoint>/v1/traces), batched across requests: spans
// collect in the isolate and go out M at a time or every T ms, one export in flight.
// Export failures are logged and counted, never thrown.
import { SpanStatusCode, type AttributeValue, type Attributes } from "@opentelemetry/api";
import type { FinishedSpan } from "./tracer.ts";

export type OtlpExporterOptions = {
  /** Collector base URL (`ISTHMUS_OTLP_ENDPOINT`), e.g. http://127.0.0.1:4318; a URL ending
   * in /v1/traces is used as is. */
  endpoint: string;
  /** `service.name` of the resource, e.g. "reviews.default". */
  serviceName: string;
  resourceAttributes?: Record<string, string>;
  /** Most spans held between exports; the oldest are dropped beyond it (counted in `overflowed`). */
  maxQueued?: number;
  /** Spans per export: a full batch is sent at once (default 512). */
  maxBatch?: number;
  /** A partial batch is sent once its oldest span waited this long (default 1000 ms). */
  intervalMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

type Ctx = { waitUntil(promise: Promise<unknown>): void };

// A waitUntil that never settled (its request was torn down) stops counting after this.
const ABANDONED_MS = 30_000;

/**
 * One exporter per isolate, batching spans across requests: an export goes out when
 * `maxBatch` spans are queued or the oldest has waited `intervalMs`, from the waitUntil of
 * the request that crosses the threshold (or of the one that armed the interval timer), and
 * at most one export is in flight, so an isolate holds one collector connection however
 * many requests it serves.
 */
export class OtlpExporter {
  private queue: FinishedSpan[] = [];
  private oldestAt = 0;
  private readonly url: string;
  private readonly maxQueued: number;
  private readonly maxBatch: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** When the export (or the armed timer) in flight started; undefined when none. */
  private busySince: number | undefined;
  /** Spans dropped because the queue was full or the collector refused them. */
  dropped = 0;
  /** Of `dropped`, those pushed out of a full queue (oldest first). */
  overflowed = 0;
  /** Exports sent (HTTP requests to the collector). */
  exports = 0;

  constructor(private readonly options: OtlpExporterOptions) {
    const base = options.endpoint.replace(/\/+$/, "");
    this.url = base.endsWith("/v1/traces") ? base : `${base}/v1/traces`;
    this.maxQueued = options.maxQueued ?? 2048;
    this.maxBatch = Math.max(1, Math.min(options.maxBatch ?? 512, this.maxQueued));
    this.intervalMs = options.intervalMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** A SpanSink for MeshTracer. */
  readonly enqueue = (span: FinishedSpan): void => {
    if (this.queue.length === 0) this.oldestAt = this.now();
    if (this.queue.length >= this.maxQueued) {
      this.queue.shift();
      this.dropped++;
      this.overflowed++;
    }
    this.queue.push(span);
  };

  get pending(): number {
    return this.queue.length;
  }

  /**
   * Called once per request after its spans ended: starts the export in `ctx.waitUntil`
   * when a batch is full or due, else arms one timer (in this request's waitUntil) that
   * sends the batch when it falls due. Nothing happens while an export is in flight: it
   * sends what queued meanwhile before it ends. Never throws.
   */
  flushDue(ctx: Ctx): void {
    if (this.queue.length === 0 || this.busy()) return;
    this.busySince = this.now();
    const wait = this.queue.length >= this.maxBatch ? 0 : this.oldestAt + this.intervalMs - this.now();
    ctx.waitUntil((wait > 0 ? this.sleep(wait).then(() => this.drain()) : this.drain()).finally(() => (this.busySince = undefined)));
  }

  /** Sends every queued span now (in batches, one at a time). Resolves even when an export fails. */
  async flush(): Promise<void> {
    while (this.queue.length > 0) await this.exportBatch();
  }

  private busy(): boolean {
    return this.busySince !== undefined && this.now() - this.busySince < this.intervalMs + ABANDONED_MS;
  }

  // Sends full batches, and the partial one that fell due, until neither is left.
  private async drain(): Promise<void> {
    do await this.exportBatch();
    while (this.queue.length >= this.maxBatch || (this.queue.length > 0 && this.now() - this.oldestAt >= this.intervalMs));
  }

  private async exportBatch(): Promise<void> {
    const spans = this.queue.splice(0, this.maxBatch);
    if (spans.length === 0) return;
    if (this.queue.length > 0) this.oldestAt = this.now();
    this.exports++;
    try {
      const response = await (this.options.fetch ?? fetch)(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(toOtlpJson(spans, this.options.serviceName, this.options.resourceAttributes)),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`collector answered ${response.status}`);
    } catch (error) {
      this.dropped += spans.length;
      console.warn(JSON.stringify({ msg: "trace export failed", spans: spans.length, error: String(error) }));
    }
  }
}

/** The ExportTraceServiceRequest JSON body for `spans` (ids as hex, times as nanosecond strings). */
export function toOtlpJson(spans: FinishedSpan[], serviceName: string, resourceAttributes: Record<string, string> = {}) {
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes({ "service.name": serviceName, ...resourceAttributes }) },
        scopeSpans: [
          {
            scope: { name: "isthmus" },
            spans: spans.map((s) => ({
              traceId: s.spanContext.traceId,
              spanId: s.spanContext.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              ...(s.spanContext.traceState ? { traceState: s.spanContext.traceState.serialize() } : {}),
              name: s.name,
              kind: s.kind + 1, // OTLP's enum has UNSPECIFIED at 0
              startTimeUnixNano: nanos(s.startMs),
              endTimeUnixNano: nanos(s.endMs),
              attributes: attributes(s.attributes),
              events: s.events.map((e) => ({ timeUnixNano: nanos(e.timeMs), name: e.name, attributes: attributes(e.attributes) })),
              status: {
                code: s.status.code === SpanStatusCode.ERROR ? 2 : s.status.code === SpanStatusCode.OK ? 1 : 0,
                ...(s.status.message ? { message: s.status.message } : {}),
              },
            })),
          },
        ],
      },
    ],
  };
}

function nanos(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

function attributes(attrs: Attributes) {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([key, v]) => ({ key, value: anyValue(v!) }));
}

function anyValue(v: AttributeValue): Record<string, unknown> {
  if (Array.isArray(v)) return { arrayValue: { values: v.filter((x) => x != null).map((x) => anyValue(x as AttributeValue)) } };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { stringValue: String(v) };
}
