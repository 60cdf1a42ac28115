// What telemetry a data-plane Worker does, decided once per isolate from its env (vars do
// not change while an isolate lives), and the isolate's one recorder and tracer. A feature
// that is off has no object here, so the layers skip it without building anything.
import type { CompiledMesh } from "../config/compiled.ts";
import type { ConfigEnv } from "../config/runtime.ts";
import type { IsolateState } from "../isolate.ts";
import type { Workload } from "../workload.ts";
import type { AccessLogEnv } from "./access-log.ts";
import { parseDropLabels } from "../../contracts/telemetry/labels.ts";
import { MetricsRecorder, type SnapshotFacts } from "./metrics.ts";
import { flushTelemetry, type TelemetryPeer } from "./report.ts";
import type { SentryEnv } from "../../reporting/sentry.ts";
import { Tracing, type TracingEnv } from "./trace.ts";
import { workloadName } from "./workload-facts.ts";

/** Env a data-plane Worker may set for telemetry (all optional). */
export type TelemetryEnv = ConfigEnv &
  TracingEnv &
  AccessLogEnv &
  SentryEnv & {
    /** Labels dropped before aggregation, comma separated (also applied by the control plane). */
    ISTHMUS_DROP_LABELS?: string;
    /** "off" stops metrics recording (the bench's "telemetry off"). */
    ISTHMUS_METRICS?: string;
    /** Milliseconds between metric flushes (default 5000): shorter for rollouts analysed every few seconds. */
    ISTHMUS_TELEMETRY_FLUSH_MS?: string;
  };

/** Which telemetry features an env turns on. */
export type TelemetryPlan = {
  metrics: boolean;
  /** Spans are built only with a collector to send them to; without one, trace context passes through as received. */
  tracing: boolean;
  accessLog: boolean;
  /** Uncaught errors reported to Sentry. */
  errors: boolean;
};

export function telemetryPlan(env: TelemetryEnv): TelemetryPlan {
  return {
    metrics: env.ISTHMUS_METRICS !== "off",
    tracing: Boolean(env.ISTHMUS_OTLP_ENDPOINT),
    accessLog: env.ISTHMUS_ACCESS_LOG !== "off",
    errors: Boolean(env.SENTRY_DSN),
  };
}

/** The isolate's telemetry: null where the plan turned a feature off. */
export type IsolateTelemetry = {
  readonly env: TelemetryEnv;
  readonly recorder: MetricsRecorder | null;
  readonly tracing: Tracing | null;
  readonly accessLog: boolean;
  readonly errors: boolean;
  /** Epoch ms when this isolate began routing by each snapshot version. */
  readonly appliedAt: Map<number, number>;
  lastVersion: number | null;
  /** Epoch ms a trailing flush is set for (0: none), so one timer serves the whole isolate. */
  trailingFlushAt: number;
};

/** The isolate's telemetry, made from the first request's env and workload and kept in its state. */
export function isolateTelemetry(isolate: IsolateState, env: TelemetryEnv, self: Workload): IsolateTelemetry {
  if (isolate.telemetry) return isolate.telemetry;
  const plan = telemetryPlan(env);
  const flushMs = Number(env.ISTHMUS_TELEMETRY_FLUSH_MS);
  const policy = Number.isFinite(flushMs) && flushMs > 0 ? { intervalMs: flushMs } : undefined;
  const recorder = plan.metrics ? new MetricsRecorder({ workload: workloadName(self), dropLabels: parseDropLabels(env.ISTHMUS_DROP_LABELS), policy }) : null;
  const telemetry: IsolateTelemetry = {
    env,
    recorder,
    tracing: plan.tracing ? Tracing.fromEnv(env, `${self.labels.app ?? self.service}.${self.namespace}`) : null,
    accessLog: plan.accessLog,
    errors: plan.errors,
    appliedAt: new Map(),
    lastVersion: null,
    trailingFlushAt: 0,
  };
  // Authentication failures, denials and dry-run verdicts count in the same recorder.
  if (recorder) isolate.security.counters = recorder;
  isolate.telemetry = telemetry;
  return telemetry;
}

/** After a request: notes the snapshot it was routed by, ships what is due (in waitUntil). */
export function finishRequest(state: IsolateTelemetry, call: { mesh: CompiledMesh; isolate: IsolateState; waitUntil(p: Promise<unknown>): void }): void {
  if (state.lastVersion !== call.mesh.version) {
    // First request routed by a version = when this isolate began routing by it.
    if (!state.appliedAt.has(call.mesh.version)) state.appliedAt.set(call.mesh.version, Date.now());
    state.lastVersion = call.mesh.version;
  }
  const peer = state.env.ISTHMUS_CONTROL as unknown as TelemetryPeer | undefined;
  if (state.recorder && peer) {
    if (state.recorder.isDue()) flushTelemetry(state.recorder, peer, call, snapshotFacts(state, call.isolate, call.mesh));
    else scheduleTrailingFlush(state, state.recorder, peer, call);
  }
  state.tracing?.flush(call);
}

/**
 * Flushes are due on a request, so the last requests before a quiet spell would wait for the
 * next one (for ever, if none comes). One timer per isolate, held in this request's waitUntil,
 * ships them when their interval is up. A timer the runtime dropped with its request context
 * is replaced once it is an interval overdue.
 */
function scheduleTrailingFlush(state: IsolateTelemetry, recorder: MetricsRecorder, peer: TelemetryPeer, call: { mesh: CompiledMesh; isolate: IsolateState; waitUntil(p: Promise<unknown>): void }): void {
  const now = Date.now();
  if (state.trailingFlushAt !== 0 && now < state.trailingFlushAt + recorder.policy.intervalMs) return;
  const wait = recorder.dueInMs(now);
  if (wait === null) return;
  const at = now + wait;
  state.trailingFlushAt = at;
  call.waitUntil(
    new Promise<void>((resolve) => setTimeout(resolve, wait)).then(() => {
      if (state.trailingFlushAt === at) state.trailingFlushAt = 0;
      // The shipment is returned, so this waitUntil holds it too.
      return flushTelemetry(recorder, peer, { waitUntil() {} }, snapshotFacts(state, call.isolate, call.mesh), true) ?? undefined;
    }),
  );
}

function snapshotFacts(state: IsolateTelemetry, isolate: IsolateState, mesh: CompiledMesh): SnapshotFacts {
  let stale = false;
  let ageMs: number | null = null;
  try {
    const cache = isolate.config(state.env);
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
