// A minimal OpenTelemetry tracer of our own (the OTel SDK is too heavy for a Worker): it
// implements @opentelemetry/api's Tracer and Span, follows the parent's sampling decision,
// samples new traces at a rate, and hands ended sampled spans to an exporter.
import {
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  context as otelContext,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type Tracer,
} from "@opentelemetry/api";
import { shouldSample } from "./sampling.ts";

/** An ended span as the exporter sees it. */
export type FinishedSpan = {
  name: string;
  kind: SpanKind;
  spanContext: SpanContext;
  parentSpanId: string | undefined;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  events: { name: string; timeMs: number; attributes: Attributes }[];
  status: SpanStatus;
};

export type SpanSink = (span: FinishedSpan) => void;

/** Span option our tracer reads for root spans: percent (0..100) of new traces to sample. */
export const SAMPLING_PERCENT_ATTRIBUTE = "isthmus.sampling_percent";

export type MeshTracerOptions = {
  /** Default percent of new traces sampled (mesh-wide `ISTHMUS_TRACE_SAMPLING`). */
  samplingPercent: number;
  sink: SpanSink;
  random?: () => number;
  now?: () => number;
};

export class MeshTracer implements Tracer {
  constructor(private readonly options: MeshTracerOptions) {}

  /**
   * A child of the span in `ctx` when there is one (sampled as its parent was), else the
   * root of a new trace, sampled at the span's `isthmus.sampling_percent` attribute or the
   * tracer's default.
   */
  startSpan(name: string, options: SpanOptions = {}, ctx: Context = otelContext.active()): Span {
    const parent = trace.getSpanContext(ctx);
    const valid = parent !== undefined && trace.isSpanContextValid(parent);
    let sampled: boolean;
    if (valid) sampled = (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    else {
      const percent = options.attributes?.[SAMPLING_PERCENT_ATTRIBUTE];
      sampled = shouldSample(typeof percent === "number" ? percent : this.options.samplingPercent, this.options.random);
    }
    const spanContext: SpanContext = {
      traceId: valid ? parent.traceId : randomHex(16),
      spanId: randomHex(8),
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
      traceState: valid ? parent.traceState : undefined,
    };
    const attributes = { ...options.attributes };
    delete attributes[SAMPLING_PERCENT_ATTRIBUTE];
    return new MeshSpan(
      name,
      options.kind ?? SpanKind.INTERNAL,
      spanContext,
      valid ? parent.spanId : undefined,
      toMs(options.startTime) ?? (this.options.now ?? Date.now)(),
      attributes,
      sampled ? this.options.sink : null,
      this.options.now ?? Date.now,
    );
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...args: unknown[]): ReturnType<F> {
    const fn = args.pop() as F;
    const [options, ctx] = args as [SpanOptions | undefined, Context | undefined];
    const parentCtx = ctx ?? otelContext.active();
    const span = this.startSpan(name, options, parentCtx);
    return otelContext.with(trace.setSpan(parentCtx, span), () => fn(span)) as ReturnType<F>;
  }
}

class MeshSpan implements Span {
  private ended = false;
  private status: SpanStatus = { code: SpanStatusCode.UNSET };
  private readonly events: FinishedSpan["events"] = [];

  constructor(
    private name: string,
    private readonly kind: SpanKind,
    private readonly context: SpanContext,
    private readonly parentSpanId: string | undefined,
    private readonly startMs: number,
    private readonly attributes: Attributes,
    private readonly sink: SpanSink | null,
    private readonly now: () => number,
  ) {}

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this.isRecording() && value !== undefined) this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const [k, v] of Object.entries(attributes)) if (v !== undefined) this.setAttribute(k, v);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (!this.isRecording()) return this;
    const isTime = typeof attributesOrTime === "number" || attributesOrTime instanceof Date || Array.isArray(attributesOrTime);
    this.events.push({
      name,
      timeMs: toMs(isTime ? (attributesOrTime as TimeInput) : time) ?? this.now(),
      attributes: isTime ? {} : ((attributesOrTime as Attributes | undefined) ?? {}),
    });
    return this;
  }

  // Links are not exported by this tracer: the mesh records only parent/child hops.
  addLink(_link: Link): this {
    return this;
  }

  addLinks(_links: Link[]): this {
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.isRecording()) this.status = status;
    return this;
  }

  updateName(name: string): this {
    if (this.isRecording()) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    this.sink?.({
      name: this.name,
      kind: this.kind,
      spanContext: this.context,
      parentSpanId: this.parentSpanId,
      startMs: this.startMs,
      endMs: Math.max(this.startMs, toMs(endTime) ?? this.now()),
      attributes: this.attributes,
      events: this.events,
      status: this.status,
    });
  }

  isRecording(): boolean {
    return this.sink !== null && !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const e = typeof exception === "string" ? { message: exception } : exception;
    this.addEvent("exception", { "exception.type": e.name ?? "Error", "exception.message": e.message ?? "" }, time);
  }
}

function toMs(time: TimeInput | undefined): number | undefined {
  if (time === undefined) return undefined;
  if (typeof time === "number") return time;
  if (time instanceof Date) return time.getTime();
  return time[0] * 1000 + time[1] / 1e6;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
// Ids are drawn from one buffer filled 4 KiB at a time: a per-id getRandomValues and typed
// array were a tenth of an unsampled request's trace cost at the gateway.
const pool = new Uint8Array(4096);
let drawn = pool.length;

/** `bytes` (≤ 64) random bytes as lower-case hex, never all zeros (W3C ids). */
export function randomHex(bytes: number): string {
  if (drawn + bytes > pool.length) {
    crypto.getRandomValues(pool);
    drawn = 0;
  }
  let hex = "";
  let any = 0;
  for (const end = drawn + bytes; drawn < end; drawn++) {
    hex += HEX[pool[drawn]!];
    any |= pool[drawn]!;
  }
  return any === 0 ? randomHex(bytes) : hex;
}
