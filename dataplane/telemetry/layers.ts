// The telemetry layers that fill the data-plane stacks' telemetry and trace slots:
// - inboundTelemetry (inbound stack, outermost): server span, reporter=destination metrics,
//   access log, error report;
// - outboundTelemetry (outbound stack, outermost): reporter=source metrics and access log,
//   ends the client span;
// - attemptTrace (outbound, per attempt): decides sampling once the route is known
//   (per-route percent), then a client span and a child span per attempt and the
//   traceparent for the next hop; the caller's workload claim for the destination's metrics.
// Each feature decides first and builds only what it will use: spans only for sampled
// requests (an unsampled request's trace context passes on as received), an access-log
// line only when logged, metrics as counts of interned series (series.ts, sides.ts).
// `telemetrySlots` leaves a layer out of the stack when everything it does is off.
// Flushes (metrics to the control plane, spans to the collector) go in waitUntil.
import type { Span } from "@opentelemetry/api";
import type { CompiledMesh } from "../config/compiled.ts";
import type { InboundLayer, InboundCall } from "../inbound/call.ts";
import { editHandlerHeaders } from "../inbound/handler-request.ts";
import type { InboundSlots } from "../inbound/stack.ts";
import type { OutboundCall, OutboundLayer } from "../outbound/call.ts";
import type { OutboundSlots } from "../outbound/stack.ts";
import { editUpstreamHeaders, type UpstreamHeaderEdits } from "../outbound/upstream-request.ts";
import { formatFlags, NO_FLAGS, type ResponseFlag } from "../traffic/response-flags.ts";
import { requestUrl } from "../request-url.ts";
import { accessLogLine, accessLogSampled } from "./access-log.ts";
import { finishRequest, isolateTelemetry, telemetryPlan, type IsolateTelemetry, type TelemetryEnv } from "./isolate.ts";
import { ACCESS_LOG_SAMPLING_ANNOTATION, annotationPercent, TRACE_SAMPLING_ANNOTATION } from "./sampling.ts";
import { captureError } from "../../reporting/sentry.ts";
import { inboundSide, outboundSide, targetService } from "./sides.ts";
import { endHop } from "./trace.ts";
import { extractTraceContext, injectTraceContext, unsampledTraceparent, type IncomingTrace } from "./trace-context.ts";
import { SOURCE_HEADER, sourceClaim, workloadName } from "./workload-facts.ts";

export { SOURCE_HEADER, workloadName } from "./workload-facts.ts";
export type { TelemetryEnv } from "./isolate.ts";

/** The telemetry layers an outbound stack needs for this env; none when all telemetry is off. */
export function outboundTelemetrySlots(env: TelemetryEnv): Pick<OutboundSlots, "telemetry" | "trace"> {
  const plan = telemetryPlan(env);
  return {
    telemetry: plan.metrics || plan.tracing || plan.accessLog || plan.errors ? outboundTelemetry : undefined,
    // Per attempt: the span and traceparent, and the workload claim the destination's metrics read.
    trace: plan.metrics || plan.tracing ? attemptTrace : undefined,
  };
}

/** The telemetry layer an inbound stack needs for this env; none when all telemetry is off. */
export function inboundTelemetrySlots(env: TelemetryEnv): Pick<InboundSlots, "telemetry"> {
  const plan = telemetryPlan(env);
  return { telemetry: plan.metrics || plan.tracing || plan.accessLog || plan.errors ? inboundTelemetry : undefined };
}

// Envoy's flag string; the common case (no flag) without building anything.
function flagsOf(flags: readonly ResponseFlag[]): string {
  return flags.length === 0 ? NO_FLAGS : formatFlags(flags);
}

function bytesOf(headers: Headers): number {
  const n = Number(headers.get("content-length") ?? "0");
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

// The sampling annotations of the matched VirtualService: indexed once per snapshot, then
// cached per route-table VirtualService object (stable for the snapshot's life).
type RoutePercents = { trace: number | undefined; accessLog: number | undefined };
const routePercents = new WeakMap<object, RoutePercents>();

function percentsOf(mesh: CompiledMesh, vs: { name: string; namespace: string } | undefined): RoutePercents | undefined {
  if (!vs) return undefined;
  let percents = routePercents.get(vs);
  if (!percents) {
    const index = mesh.derive("telemetry:sampling", (snapshot) => {
      const map = new Map<string, RoutePercents>();
      for (const r of snapshot.resources) {
        if (r.kind !== "VirtualService") continue;
        const annotated = r as { metadata?: { annotations?: Record<string, string> } };
        map.set(`${r.metadata.namespace}/${r.metadata.name}`, {
          trace: annotationPercent(annotated, TRACE_SAMPLING_ANNOTATION),
          accessLog: annotationPercent(annotated, ACCESS_LOG_SAMPLING_ANNOTATION),
        });
      }
      return map;
    });
    percents = index.get(`${vs.namespace}/${vs.name}`) ?? { trace: undefined, accessLog: undefined };
    routePercents.set(vs, percents);
  }
  return percents;
}

/** Inbound stack, telemetry slot: this workload as the destination reporter. */
export const inboundTelemetry: InboundLayer = async (request, call, next) => {
  const state = isolateTelemetry(call.isolate, call.env as TelemetryEnv, call.workload);
  const start = Date.now();
  const self = call.workload;
  const claim = request.headers.get(SOURCE_HEADER);
  let incoming: IncomingTrace | null = null;
  let span: Span | null = null;
  let traceparent: string | undefined;
  if (state.tracing) {
    incoming = extractTraceContext(request.headers);
    if (state.tracing.sampled(incoming)) {
      span = state.tracing.startHop(`${self.labels.app ?? self.service}.${self.namespace}`, "server", incoming, { method: request.method, path: requestUrl(request).pathname }, 100);
    } else if (!incoming) traceparent = unsampledTraceparent();
  }
  // The handler sees this hop's span as its parent (and forwards it, as Bookinfo does); an
  // unsampled request's context reaches it as received. The claim is for telemetry only.
  // Recorded: the inbound stack applies them in the one copy the handler gets.
  if (span || traceparent || claim !== null) {
    const edits = editHandlerHeaders(call);
    edits.remove.push(SOURCE_HEADER);
    if (span) injectTraceContext(headerSetter(edits), span.spanContext());
    else if (traceparent) edits.set.push(["traceparent", traceparent]);
  }

  let response: Response;
  try {
    response = await next(request, call);
  } catch (error) {
    if (state.errors) captureError(state.env, call, request, error, { traceId: span?.spanContext().traceId ?? incoming?.spanContext.traceId, workload: workloadName(self) });
    if (span) endHop(span, { responseCode: 500 });
    finishRequest(state, call);
    throw error;
  }
  const flags = flagsOf(call.flags);
  const durationMs = Date.now() - start;
  if (span) endHop(span, { responseCode: response.status, responseFlags: flags });
  const logged = state.accessLog && accessLogSampled(state.env);
  const recorder = state.recorder;
  if (recorder || logged) {
    const requestBytes = bytesOf(request.headers);
    const responseBytes = bytesOf(response.headers);
    const traceId = () => span?.spanContext().traceId ?? incoming?.spanContext.traceId ?? extractTraceContext(request.headers)?.spanContext.traceId;
    if (recorder) {
      const side = inboundSide(recorder, call, claim);
      recorder.count(side, response.status, flags, call.securityPolicy === "mutual_tls", durationMs, requestBytes, responseBytes);
      if (recorder.tapping(side)) {
        const url = requestUrl(request);
        recorder.tap(side, { responseCode: response.status, responseFlags: flags, durationMs, method: request.method, path: url.pathname + url.search, traceId: traceId() });
      }
    }
    if (logged) logInbound(request, call, { start, durationMs, status: response.status, flags, requestBytes, responseBytes, traceId: traceId() });
  }
  finishRequest(state, call);
  return response;
};

function logInbound(request: Request, call: InboundCall, r: { start: number; durationMs: number; status: number; flags: string; requestBytes: number; responseBytes: number; traceId?: string }): void {
  const self = call.workload;
  console.log(
    accessLogLine({
      startTime: r.start,
      durationMs: r.durationMs,
      request,
      responseCode: r.status,
      responseFlags: r.flags,
      bytesReceived: r.requestBytes,
      bytesSent: r.responseBytes,
      upstreamHost: "inbound",
      upstreamCluster: `inbound|${self.service}.${self.namespace}`,
      sourcePrincipal: call.peer.principal,
      destinationPrincipal: `spiffe://${call.mesh.snapshot.trustDomain}/ns/${self.namespace}/sa/${self.serviceAccount}`,
      traceId: r.traceId,
      reporter: "destination",
    }),
  );
}

/**
 * An outbound request's trace decision, made by its first attempt (route known): the
 * client span when sampled; for an unsampled trace this hop starts, the traceparent that
 * carries the decision on. Unsampled with a caller's context: nothing to keep.
 */
type Hop = { span: Span | null; traceparent?: string; incoming: IncomingTrace | null };
const hops = new WeakMap<OutboundCall, Hop>();

/** Outbound stack, trace slot (per attempt): the hop's client span, an attempt child span, and traceparent. */
export const attemptTrace: OutboundLayer = (request, call, next) => {
  const state = isolateTelemetry(call.isolate, call.env as TelemetryEnv, call.source);
  const hop = state.tracing ? hopOf(state, request, call) : null;
  const claim = state.recorder !== null;
  if (!hop?.span && !hop?.traceparent && !claim) return next(request, call);
  const attempt = hop?.span ? state.tracing!.startAttempt(hop.span, Math.max(1, call.attempts), { upstream: call.endpoint?.address }) : null;
  // Recorded for dispatch, which copies the Request once for all of the attempt's headers.
  const edits = editUpstreamHeaders(call);
  if (attempt) injectTraceContext(headerSetter(edits), attempt.spanContext());
  else if (hop?.traceparent) edits.set.push(["traceparent", hop.traceparent]);
  if (claim) edits.set.push([SOURCE_HEADER, sourceClaim(call.source)]);
  if (!attempt) return next(request, call);
  return traced(attempt, request, call, next);
};

/** The attempt's span ends with its answer, or its failure. */
async function traced(attempt: Span, request: Request, call: OutboundCall, next: Parameters<OutboundLayer>[2]): Promise<Response> {
  try {
    const response = await next(request, call);
    endHop(attempt, { responseCode: response.status, responseFlags: flagsOf(call.flags) });
    return response;
  } catch (error) {
    endHop(attempt, { responseCode: 503, responseFlags: flagsOf(call.flags) });
    throw error;
  }
}

// What trace-context injection writes (set, delete), recorded as the attempt's edits.
function headerSetter(edits: UpstreamHeaderEdits): Headers {
  return {
    set: (name: string, value: string) => void edits.set.push([name, value]),
    delete: (name: string) => void edits.remove.push(name),
  } as Headers;
}

function hopOf(state: IsolateTelemetry, request: Request, call: OutboundCall): Hop {
  let hop = hops.get(call);
  if (hop) return hop;
  const incoming = extractTraceContext(request.headers);
  if (state.tracing!.sampled(incoming, percentsOf(call.mesh, call.route?.virtualService)?.trace)) {
    hop = { span: state.tracing!.startHop(hopName(call), "client", incoming, hopFacts(call, request), 100), incoming };
  } else hop = { span: null, traceparent: incoming ? undefined : unsampledTraceparent(), incoming };
  hops.set(call, hop);
  return hop;
}

function hopName(call: OutboundCall): string {
  return targetService(call)?.host ?? call.host ?? "unknown";
}

// The route's name for spans and access logs, built once per matched route object.
const routeNames = new WeakMap<object, string>();

function routeName(call: OutboundCall): string | undefined {
  const match = call.route;
  if (!match) return undefined;
  let name = routeNames.get(match.route);
  if (name === undefined) {
    name = `${match.virtualService.namespace}/${match.virtualService.name}${match.name ? `/${match.name}` : ""}`;
    routeNames.set(match.route, name);
  }
  return name;
}

function hopFacts(call: OutboundCall, request: Request) {
  return { destination: hopName(call), route: routeName(call), subset: call.destination?.subset, method: request.method, path: requestUrl(request).pathname };
}

/** Outbound stack, telemetry slot: this workload as the source reporter. */
export const outboundTelemetry: OutboundLayer = async (request, call, next) => {
  const state = isolateTelemetry(call.isolate, call.env as TelemetryEnv, call.source);
  const start = Date.now();
  let response: Response;
  try {
    response = await next(request, call);
  } catch (error) {
    const hop = hops.get(call);
    if (hop?.span) endHop(hop.span, { responseCode: 500 });
    if (state.errors) captureError(state.env, call, request, error, { traceId: hop?.span?.spanContext().traceId ?? hop?.incoming?.spanContext.traceId, workload: workloadName(call.source) });
    finishRequest(state, call);
    throw error;
  }
  const flags = flagsOf(call.flags);
  const durationMs = Date.now() - start;
  let hop = state.tracing ? hops.get(call) : undefined;
  // A request that never reached an attempt (no route, fault abort) still gets its decision, and its span when sampled.
  if (state.tracing && !hop) hop = hopOf(state, request, call);
  if (hop?.span) endHop(hop.span, { ...hopFacts(call, request), responseCode: response.status, responseFlags: flags, upstream: call.endpoint?.address });
  const logged = state.accessLog && accessLogSampled(state.env, percentsOf(call.mesh, call.route?.virtualService)?.accessLog);
  const recorder = state.recorder;
  if (recorder || logged) {
    const requestBytes = bytesOf(request.headers);
    const responseBytes = bytesOf(response.headers);
    const traceId = () => hop?.span?.spanContext().traceId ?? hop?.incoming?.spanContext.traceId ?? hop?.traceparent?.slice(3, 35) ?? extractTraceContext(request.headers)?.spanContext.traceId;
    if (recorder) {
      const side = outboundSide(recorder, call);
      recorder.count(side, response.status, flags, false, durationMs, requestBytes, responseBytes);
      if (recorder.tapping(side)) {
        const url = requestUrl(request);
        recorder.tap(side, { responseCode: response.status, responseFlags: flags, durationMs, method: request.method, path: url.pathname + url.search, traceId: traceId() });
      }
    }
    if (logged) logOutbound(request, call, { start, durationMs, status: response.status, flags, requestBytes, responseBytes, traceId: traceId() });
  }
  finishRequest(state, call);
  return response;
};

function logOutbound(request: Request, call: OutboundCall, r: { start: number; durationMs: number; status: number; flags: string; requestBytes: number; responseBytes: number; traceId?: string }): void {
  const target = targetService(call);
  const source = call.source;
  console.log(
    accessLogLine({
      startTime: r.start,
      durationMs: r.durationMs,
      request,
      responseCode: r.status,
      responseFlags: r.flags,
      bytesReceived: r.requestBytes,
      bytesSent: r.responseBytes,
      upstreamHost: call.endpoint?.address,
      upstreamCluster: target ? `outbound|${call.destination?.subset ?? ""}|${target.host}` : undefined,
      routeName: routeName(call),
      sourcePrincipal: `spiffe://${call.mesh.snapshot.trustDomain}/ns/${source.namespace}/sa/${source.serviceAccount}`,
      traceId: r.traceId,
      reporter: "source",
    }),
  );
}
