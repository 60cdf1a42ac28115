// The telemetry layers that fill the data-plane stacks' telemetry and trace slots:
// - inboundTelemetry (inbound stack, outermost): server span, reporter=destination metrics,
//   access log, error report;
// - outboundTelemetry (outbound stack, outermost): reporter=source metrics and access log,
//   ends the client span;
// - attemptTrace (outbound, per attempt): starts the client span once the route is known
//   (per-route sampling), a child span per attempt, and the traceparent for the next hop.
// Flushes (metrics to the control plane, spans to the collector) go in waitUntil.
import type { Span } from "@opentelemetry/api";
import type { CompiledMesh, MeshService } from "../config/compiled.ts";
import { meshConfigCache, type ConfigEnv } from "../config/runtime.ts";
import type { InboundCall, InboundLayer } from "../inbound/call.ts";
import type { OutboundCall, OutboundLayer } from "../outbound/call.ts";
import { formatFlags } from "../traffic/response-flags.ts";
import type { Workload } from "../workload.ts";
import { writeAccessLog, type AccessLogEnv } from "./access-log.ts";
import { parseDropLabels, type RequestSample, type WorkloadFacts } from "./labels.ts";
import { MetricsRecorder, type SnapshotFacts } from "./metrics.ts";
import { flushTelemetry, type TelemetryPeer } from "./report.ts";
import { ACCESS_LOG_SAMPLING_ANNOTATION, annotationPercent, TRACE_SAMPLING_ANNOTATION } from "./sampling.ts";
import { captureError, type SentryEnv } from "./sentry.ts";
import { countSecurityEventsWith } from "../security/events.ts";
import { endHop, Tracing, type TracingEnv } from "./trace.ts";
import { requestUrl } from "../request-url.ts";
import { extractTraceContext, injectTraceContext } from "./trace-context.ts";

/** Env a data-plane Worker may set for telemetry (all optional). */
export type TelemetryEnv = ConfigEnv &
  TracingEnv &
  AccessLogEnv &
  SentryEnv & {
    /** Labels dropped before aggregation, comma separated (also applied by the control plane). */
    ISTHMUS_DROP_LABELS?: string;
    /** "off" stops metrics recording (the bench's "telemetry off"). */
    ISTHMUS_METRICS?: string;
  };

/**
 * Who called, as the caller's outbound layer says (Istio's metadata exchange): workload
 * name, app, version, namespace. A claim; the principal comes from authentication.
 */
export const SOURCE_HEADER = "x-isthmus-source-workload";

/** Istio's workload name for a data-plane Worker: `reviews-v2`, or the service alone. */
export function workloadName(w: Workload): string {
  return w.version ? `${w.service}-${w.version}` : w.service;
}

type Isolate = { recorder: MetricsRecorder; tracing: Tracing; appliedAt: Map<number, number> };
let isolate: Isolate | undefined;

// One recorder and tracer per isolate, made from the first request's env and workload.
function isolateTelemetry(env: TelemetryEnv, self: Workload): Isolate {
  if (!isolate) {
    isolate = {
      recorder: new MetricsRecorder({ workload: workloadName(self), dropLabels: parseDropLabels(env.ISTHMUS_DROP_LABELS) }),
      tracing: Tracing.fromEnv(env, `${self.labels.app ?? self.service}.${self.namespace}`),
      appliedAt: new Map(),
    };
    // Authentication failures, denials and dry-run verdicts count in the same recorder.
    countSecurityEventsWith(isolate.recorder);
  }
  return isolate;
}

function snapshotFacts(state: Isolate, env: TelemetryEnv, mesh: CompiledMesh): SnapshotFacts {
  // First request routed by a version = when this isolate began routing by it.
  if (!state.appliedAt.has(mesh.version)) state.appliedAt.set(mesh.version, Date.now());
  let stale = false;
  let ageMs: number | null = null;
  try {
    const cache = meshConfigCache(env);
    stale = cache.stale;
    ageMs = cache.lastCheckAt > 0 ? Date.now() - cache.lastCheckAt : null;
  } catch {
    // no control plane configured: nothing to say about freshness
  }
  return {
    snapshotVersion: mesh.version,
    snapshotGeneratedAt: mesh.snapshot.generatedAt,
    snapshotAppliedAt: state.appliedAt.get(mesh.version)!,
    snapshotAgeMs: ageMs,
    stale,
  };
}

function selfFacts(w: Workload, trustDomain: string): WorkloadFacts {
  return {
    workload: workloadName(w),
    namespace: w.namespace,
    principal: `spiffe://${trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`,
    app: w.labels.app ?? w.service,
    version: w.version,
  };
}

// A workload's claim header value, built once per workload (the isolate's own).
const claims = new WeakMap<Workload, string>();

function sourceClaim(w: Workload): string {
  let claim = claims.get(w);
  if (claim === undefined) {
    claim = new URLSearchParams({ workload: workloadName(w), app: w.labels.app ?? w.service, version: w.version ?? "", ns: w.namespace }).toString();
    claims.set(w, claim);
  }
  return claim;
}

function parseSourceClaim(value: string | null): WorkloadFacts {
  if (!value) return {};
  const p = new URLSearchParams(value);
  return { workload: p.get("workload") || undefined, app: p.get("app") || undefined, version: p.get("version") || undefined, namespace: p.get("ns") || undefined };
}

function bytesOf(headers: Headers): number {
  const n = Number(headers.get("content-length") ?? "0");
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

function finish(state: Isolate, env: TelemetryEnv, call: { mesh: CompiledMesh; waitUntil(p: Promise<unknown>): void }, sample: RequestSample | null): void {
  if (sample && env.ISTHMUS_METRICS !== "off") state.recorder.recordRequest(sample);
  const ctx = { waitUntil: (p: Promise<unknown>) => call.waitUntil(p) };
  flushTelemetry(state.recorder, env.ISTHMUS_CONTROL as unknown as TelemetryPeer | undefined, ctx, snapshotFacts(state, env, call.mesh));
  state.tracing.flush(ctx);
}

/** Per-route percent from the matched VirtualService's annotation, indexed once per snapshot. */
function routePercent(mesh: CompiledMesh, vs: { name: string; namespace: string } | undefined, annotation: string): number | undefined {
  if (!vs) return undefined;
  const index = mesh.derive(`telemetry:${annotation}`, (snapshot) => {
    const map = new Map<string, number>();
    for (const r of snapshot.resources) {
      if (r.kind !== "VirtualService") continue;
      const percent = annotationPercent(r as { metadata?: { annotations?: Record<string, string> } }, annotation);
      if (percent !== undefined) map.set(`${r.metadata.namespace}/${r.metadata.name}`, percent);
    }
    return map;
  });
  return index.get(`${vs.namespace}/${vs.name}`);
}

/** Inbound stack, telemetry slot: this workload as the destination reporter. */
export const inboundTelemetry: InboundLayer = async (request, call, next) => {
  const env = call.env as TelemetryEnv;
  const state = isolateTelemetry(env, call.workload);
  const start = Date.now();
  const self = call.workload;
  const url = requestUrl(request);
  const span = state.tracing.startHop(`${self.labels.app ?? self.service}.${self.namespace}`, "server", extractTraceContext(request.headers), {
    method: request.method,
    path: url.pathname,
  });
  const source = parseSourceClaim(request.headers.get(SOURCE_HEADER));
  // The handler sees this hop's span as its parent, and forwards it as Bookinfo does.
  const headers = new Headers(request.headers);
  headers.delete(SOURCE_HEADER);
  injectTraceContext(headers, span.spanContext());
  const inner = new Request(request, { headers });

  let response: Response;
  try {
    response = await next(inner, call);
  } catch (error) {
    const traceId = span.spanContext().traceId;
    captureError(env, { waitUntil: call.waitUntil }, request, error, { traceId, workload: workloadName(self) });
    endHop(span, { responseCode: 500 });
    finish(state, env, call, null);
    throw error;
  }
  const flags = formatFlags(call.flags);
  const durationMs = Date.now() - start;
  endHop(span, { responseCode: response.status, responseFlags: flags });
  const trustDomain = call.mesh.snapshot.trustDomain;
  const destination = selfFacts(self, trustDomain);
  const sample: RequestSample = {
    reporter: "destination",
    source: { ...source, principal: call.peer.principal, namespace: call.peer.namespace ?? source.namespace },
    destination: {
      ...destination,
      service: `${self.service}.${self.namespace}.svc.cluster.local`,
      serviceName: self.service,
      serviceNamespace: self.namespace,
    },
    protocol: "http",
    responseCode: response.status,
    responseFlags: flags,
    mutualTls: call.securityPolicy === "mutual_tls",
    durationMs,
    requestBytes: bytesOf(request.headers),
    responseBytes: bytesOf(response.headers),
    method: request.method,
    path: url.pathname + url.search,
    traceId: span.spanContext().traceId,
  };
  writeAccessLog(env, {
    startTime: start,
    durationMs,
    request,
    responseCode: response.status,
    responseFlags: flags,
    bytesReceived: sample.requestBytes,
    bytesSent: sample.responseBytes,
    upstreamHost: "inbound",
    upstreamCluster: `inbound|${self.service}.${self.namespace}`,
    sourcePrincipal: call.peer.principal,
    destinationPrincipal: destination.principal,
    traceId: sample.traceId,
    reporter: "destination",
  });
  finish(state, env, call, sample);
  return response;
};

// The client span of an outbound request, started by the first attempt (route known).
const hops = new WeakMap<OutboundCall, { span: Span; incoming: ReturnType<typeof extractTraceContext> }>();

/** Outbound stack, trace slot (per attempt): the hop's client span, an attempt child span, and traceparent. */
export const attemptTrace: OutboundLayer = async (request, call, next) => {
  const env = call.env as TelemetryEnv;
  const state = isolateTelemetry(env, call.source);
  let hop = hops.get(call);
  if (!hop) {
    const incoming = extractTraceContext(request.headers);
    const percent = routePercent(call.mesh, call.route?.virtualService, TRACE_SAMPLING_ANNOTATION);
    const span = state.tracing.startHop(hopName(call), "client", incoming, hopFacts(call, request), percent);
    hop = { span, incoming };
    hops.set(call, hop);
  }
  const attempt = state.tracing.startAttempt(hop.span, Math.max(1, call.attempts), { upstream: call.endpoint?.address });
  const headers = new Headers(request.headers);
  injectTraceContext(headers, attempt.spanContext());
  headers.set(SOURCE_HEADER, sourceClaim(call.source));
  try {
    const response = await next(new Request(request, { headers }), call);
    endHop(attempt, { responseCode: response.status, responseFlags: formatFlags(call.flags) });
    return response;
  } catch (error) {
    endHop(attempt, { responseCode: 503, responseFlags: formatFlags(call.flags) });
    throw error;
  }
};

// The service the request goes to: the route's destination (the gateway's URL host names
// no service), else the service the host names.
function targetService(call: OutboundCall): MeshService | undefined {
  return call.destination?.service ?? call.service;
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
  const env = call.env as TelemetryEnv;
  const state = isolateTelemetry(env, call.source);
  const start = Date.now();
  let response: Response;
  try {
    response = await next(request, call);
  } catch (error) {
    const hop = hops.get(call);
    if (hop) endHop(hop.span, { responseCode: 500 });
    captureError(env, { waitUntil: call.waitUntil }, request, error, { traceId: hop?.span.spanContext().traceId, workload: workloadName(call.source) });
    finish(state, env, call, null);
    throw error;
  }
  const flags = formatFlags(call.flags);
  const durationMs = Date.now() - start;
  // A request that never reached an attempt (no route, fault abort) still gets its span.
  const facts = hopFacts(call, request);
  const hop = hops.get(call) ?? { span: state.tracing.startHop(hopName(call), "client", extractTraceContext(request.headers), facts) };
  endHop(hop.span, { ...facts, responseCode: response.status, responseFlags: flags, upstream: call.endpoint?.address });
  const traceId = hop.span.spanContext().traceId;
  const endpointName = call.endpoint?.address.startsWith("worker://") ? call.endpoint.address.slice("worker://".length) : undefined;
  const target = targetService(call);
  const sample: RequestSample = {
    reporter: "source",
    source: selfFacts(call.source, call.mesh.snapshot.trustDomain),
    destination: {
      workload: endpointName,
      namespace: target?.namespace,
      app: target?.name,
      version: call.endpoint?.labels.version ?? call.destination?.subset,
      service: target?.host ?? call.host,
      serviceName: target?.name,
      serviceNamespace: target?.namespace,
    },
    protocol: "http",
    responseCode: response.status,
    responseFlags: flags,
    mutualTls: false,
    durationMs,
    requestBytes: bytesOf(request.headers),
    responseBytes: bytesOf(response.headers),
    method: request.method,
    path: facts.path + requestUrl(request).search,
    traceId,
  };
  writeAccessLog(
    env,
    {
      startTime: start,
      durationMs,
      request,
      responseCode: response.status,
      responseFlags: flags,
      bytesReceived: sample.requestBytes,
      bytesSent: sample.responseBytes,
      upstreamHost: call.endpoint?.address,
      upstreamCluster: target ? `outbound|${call.destination?.subset ?? ""}|${target.host}` : undefined,
      routeName: facts.route,
      sourcePrincipal: sample.source.principal,
      traceId,
      reporter: "source",
    },
    routePercent(call.mesh, call.route?.virtualService, ACCESS_LOG_SAMPLING_ANNOTATION),
  );
  finish(state, env, call, sample);
  return response;
};
