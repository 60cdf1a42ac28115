// OTLP/HTTP JSON trace export (POST <endpoint>/v1/traces), batched: spans collect in the
// isolate and one flush in waitUntil sends them. Export failures are logged, never thrown.
import { SpanStatusCode, type AttributeValue, type Attributes } from "@opentelemetry/api";
import type { FinishedSpan } from "./tracer.ts";

export type OtlpExporterOptions = {
  /** Collector base URL (`ISTHMUS_OTLP_ENDPOINT`), e.g. http://127.0.0.1:4318; a URL ending
   * in /v1/traces is used as is. */
  endpoint: string;
  /** `service.name` of the resource, e.g. "reviews.default". */
  serviceName: string;
  resourceAttributes?: Record<string, string>;
  /** Most spans held between flushes; the oldest are dropped beyond it. */
  maxQueued?: number;
  fetch?: typeof fetch;
};

export class OtlpExporter {
  private queue: FinishedSpan[] = [];
  private readonly url: string;
  private readonly maxQueued: number;
  /** Spans dropped because the queue was full or the collector refused them. */
  dropped = 0;

  constructor(private readonly options: OtlpExporterOptions) {
    const base = options.endpoint.replace(/\/+$/, "");
    this.url = base.endsWith("/v1/traces") ? base : `${base}/v1/traces`;
    this.maxQueued = options.maxQueued ?? 2048;
  }

  /** A SpanSink for MeshTracer. */
  readonly enqueue = (span: FinishedSpan): void => {
    if (this.queue.length >= this.maxQueued) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(span);
  };

  get pending(): number {
    return this.queue.length;
  }

  /** Sends every queued span in one request. Resolves even when the export fails. */
  async flush(): Promise<void> {
    if (this.queue.length === 0) return;
    const spans = this.queue;
    this.queue = [];
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
