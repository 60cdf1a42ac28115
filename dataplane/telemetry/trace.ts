// Tracing for the data plane: one Tracing per isolate (in its IsolateState). Each hop records a
// span (server span on inbound, client span on outbound) with the route decision's facts;
// retries are child spans of the hop; spans go out over OTLP/HTTP in waitUntil, batched
// across the isolate's requests.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes, type Span } from "@opentelemetry/api";
import { OtlpExporter } from "./otlp.ts";
import { redactPath } from "../../reporting/redact.ts";
import { DEFAULT_TRACE_SAMPLING, parsePercent, shouldSample } from "./sampling.ts";
import type { IncomingTrace } from "./trace-context.ts";
import { MeshTracer, SAMPLING_PERCENT_ATTRIBUTE } from "./tracer.ts";

export type TracingEnv = {
  /** OTLP/HTTP collector base URL; without it spans are not recorded (context still propagates). */
  ISTHMUS_OTLP_ENDPOINT?: string;
  /** Percent of new traces sampled mesh-wide (default 1, as Istio). */
  ISTHMUS_TRACE_SAMPLING?: string;
};

/** The facts of one hop that become span attributes. */
export type HopFacts = {
  /** Destination service host, e.g. reviews.default.svc.cluster.local */
  destination?: string;
  /** The matched route: VirtualService namespace/name and route name. */
  route?: string;
  subset?: string;
  /** The endpoint the request went to (worker://..., https://...). */
  upstream?: string;
  method?: string;
  path?: string;
  responseCode?: number;
  responseFlags?: string;
  peer?: string;
};

export class Tracing {
  readonly tracer: MeshTracer;
  readonly exporter: OtlpExporter | null;
  readonly samplingPercent: number;

  constructor(options: { serviceName: string; endpoint?: string; samplingPercent?: number; fetch?: typeof fetch; random?: () => number }) {
    this.exporter = options.endpoint ? new OtlpExporter({ endpoint: options.endpoint, serviceName: options.serviceName, fetch: options.fetch }) : null;
    this.samplingPercent = options.samplingPercent ?? DEFAULT_TRACE_SAMPLING;
    this.tracer = new MeshTracer({ samplingPercent: this.samplingPercent, sink: this.exporter?.enqueue ?? (() => {}), random: options.random });
  }

  static fromEnv(env: TracingEnv, serviceName: string): Tracing {
    return new Tracing({
      serviceName,
      endpoint: env.ISTHMUS_OTLP_ENDPOINT || undefined,
      samplingPercent: parsePercent(env.ISTHMUS_TRACE_SAMPLING),
    });
  }

  /**
   * The sampling decision of a hop, made before any span exists: the caller's when it made
   * one, else the route's percent (`samplingPercent`) or the mesh-wide one.
   */
  sampled(incoming: IncomingTrace | null, samplingPercent?: number): boolean {
    return incoming?.sampled ?? shouldSample(samplingPercent ?? this.samplingPercent);
  }

  /**
   * Starts the span of one hop, the child of `incoming` when the caller sent a context.
   * `samplingPercent` (the route's annotation) applies when this hop starts the trace or
   * the caller deferred the decision.
   */
  startHop(name: string, kind: "server" | "client", incoming: IncomingTrace | null, facts: HopFacts = {}, samplingPercent?: number): Span {
    const percent = samplingPercent ?? this.samplingPercent;
    let ctx = ROOT_CONTEXT;
    if (incoming) {
      let parent = incoming.spanContext;
      if (incoming.sampled === undefined) parent = { ...parent, traceFlags: shouldSample(percent) ? TraceFlags.SAMPLED : TraceFlags.NONE };
      ctx = trace.setSpanContext(ROOT_CONTEXT, parent);
    }
    return this.tracer.startSpan(
      name,
      { kind: kind === "server" ? SpanKind.SERVER : SpanKind.CLIENT, attributes: { ...hopAttributes(facts), [SAMPLING_PERCENT_ATTRIBUTE]: percent } },
      ctx,
    );
  }

  /** A child span of `hop` for one attempt (the first try or a retry). */
  startAttempt(hop: Span, attempt: number, facts: HopFacts = {}): Span {
    return this.tracer.startSpan(
      `attempt ${attempt}`,
      { kind: SpanKind.CLIENT, attributes: { ...hopAttributes(facts), "isthmus.attempt": attempt } },
      trace.setSpan(ROOT_CONTEXT, hop),
    );
  }

  /** Ships recorded spans in waitUntil once a batch is full or due (see OtlpExporter.flushDue); never throws. */
  flush(ctx: { waitUntil(promise: Promise<unknown>): void }): void {
    this.exporter?.flushDue(ctx);
  }
}

/** Records the outcome on a hop or attempt span and ends it. */
export function endHop(span: Span, facts: HopFacts): void {
  span.setAttributes(hopAttributes(facts));
  if (facts.responseCode !== undefined && facts.responseCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: facts.responseFlags });
  span.end();
}

// Attribute names: OpenTelemetry's HTTP conventions, plus Envoy's/Istio's tracing tag names
// (upstream_cluster, response_flags) so Istio users find what they know in Jaeger.
export function hopAttributes(f: HopFacts): Attributes {
  const a: Attributes = {};
  if (f.destination !== undefined) a["isthmus.destination"] = f.destination;
  if (f.route !== undefined) a["isthmus.route"] = f.route;
  if (f.subset !== undefined) a["isthmus.subset"] = f.subset;
  if (f.destination !== undefined) a["upstream_cluster"] = `outbound|${f.subset ?? ""}|${f.destination}`;
  if (f.upstream !== undefined) a["server.address"] = f.upstream;
  if (f.method !== undefined) a["http.request.method"] = f.method;
  if (f.path !== undefined) a["url.path"] = redactPath(f.path);
  if (f.responseCode !== undefined) a["http.response.status_code"] = f.responseCode;
  if (f.responseFlags !== undefined) a["response_flags"] = f.responseFlags;
  if (f.peer !== undefined) a["isthmus.peer"] = f.peer;
  return a;
}
