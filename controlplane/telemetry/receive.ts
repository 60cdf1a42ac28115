// The control-plane side of MeshPeer.reportTelemetry: validate the batch, attest the
// reporter from the service binding's props (never from the batch), and hand it to the
// reporting isolate's shard in one call (series to Analytics Engine instead, when bound,
// once the shard says the batch is not one it applied already). Tap events go to the meta
// object only while a tap session asked for them.
import type { FieldIssue } from "../../contracts/refusal.ts";
import { telemetryBatchSchema, type MeshCounter, type TelemetryReply } from "../../contracts/telemetry/batch.ts";
import { dropLabels, parseDropLabels } from "../../contracts/telemetry/labels.ts";
import { dataPointOf, MAX_POINTS_PER_FLUSH, type AnalyticsEnv } from "./analytics-engine.ts";
import { META, shardCount, shardOfIsolate, shardStub, type ShardEnv, type TelemetryNamespace } from "./shards.ts";

/** The props a data-plane Worker's binding to MeshPeer carries. */
export type PeerProps = { namespace?: string; serviceAccount?: string };

export class UnattestedReporterError extends Error {
  readonly code = "unattested_reporter";
  constructor() {
    super("telemetry comes only through a MeshPeer binding with namespace and serviceAccount props");
  }
}

export class InvalidTelemetryBatchError extends Error {
  readonly code = "invalid_telemetry_batch";
  // Workers RPC keeps only the message: it names the fields.
  constructor(readonly details: FieldIssue[]) {
    super(`telemetry batch does not match the schema: ${details.slice(0, 3).map((d) => `${d.path || "(batch)"}: ${d.message}`).join("; ")}`);
  }
}

export type ReceiveEnv = ShardEnv & AnalyticsEnv & { TELEMETRY?: DurableObjectNamespace; ISTHMUS_TRUST_DOMAIN?: string; ISTHMUS_DROP_LABELS?: string };

/** Stores one batch; answers which services the isolate should tap. */
export async function receiveTelemetry(env: ReceiveEnv, props: PeerProps | undefined, input: unknown): Promise<TelemetryReply> {
  if (!props?.namespace || !props.serviceAccount) throw new UnattestedReporterError();
  const parsed = telemetryBatchSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidTelemetryBatchError(parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  }
  const batch = parsed.data;
  const ns = env.TELEMETRY as unknown as TelemetryNamespace;
  const principal = `spiffe://${env.ISTHMUS_TRUST_DOMAIN ?? "cluster.local"}/ns/${props.namespace}/sa/${props.serviceAccount}`;
  for (const s of batch.series) attest(s.labels, props.namespace, principal);
  for (const c of batch.counters) c.labels.destination_workload_namespace = props.namespace;

  const shard = shardOfIsolate(batch.isolate, shardCount(env));
  const counters = [...batch.counters];
  const sink = env.ISTHMUS_ANALYTICS;
  if (sink) {
    const over = batch.series.slice(MAX_POINTS_PER_FLUSH).reduce((n, s) => n + s.requests, 0);
    if (over > 0) counters.push(sinkDropped(props.namespace, batch.workload, over));
  }
  const [reply] = await Promise.all([
    shardStub(ns, shard).report(
      {
        isolate: batch.isolate,
        seq: batch.seq,
        workload: batch.workload,
        namespace: props.namespace,
        serviceAccount: props.serviceAccount,
        snapshotVersion: batch.snapshotVersion,
        snapshotGeneratedAt: batch.snapshotGeneratedAt,
        snapshotAppliedAt: batch.snapshotAppliedAt,
        snapshotAgeMs: batch.snapshotAgeMs,
        stale: batch.stale,
        counters,
        series: sink ? [] : batch.series,
      },
      shard,
    ),
    // Tap is a sample: a meta object that fails loses these events, never the batch (which the
    // isolate would send again, counting its series twice).
    batch.tap.length > 0 ? shardStub(ns, META).publish(batch.tap).catch(() => undefined) : undefined,
  ]);
  // Written after the shard's word, so a batch sent again is not written twice. `applied` is
  // missing only from a shard of an older release, which applied every batch.
  if (sink && reply.applied !== false) {
    // The shards drop the operator's labels on ingest; here they go before the write.
    const dropped = parseDropLabels(env.ISTHMUS_DROP_LABELS);
    for (const s of batch.series.slice(0, MAX_POINTS_PER_FLUSH)) {
      sink.writeDataPoint(dataPointOf({ ...s, labels: dropLabels(s.labels, dropped) as Record<string, string> }));
    }
  }
  return { tapped: reply.tapped };
}

// Series past Analytics Engine's per-invocation limit: their requests are counted, not written.
function sinkDropped(namespace: string, workload: string, requests: number): MeshCounter {
  return { name: "isthmus_telemetry_series_dropped_total", labels: { destination_workload: workload, destination_workload_namespace: namespace, stage: "sink" }, value: requests };
}

// The reporter's own side of each series is who the binding says it is.
function attest(labels: Record<string, string>, namespace: string, principal: string): void {
  const side = labels.reporter === "destination" ? "destination" : labels.reporter === "source" ? "source" : null;
  if (!side) return;
  labels[`${side}_workload_namespace`] = namespace;
  if (`${side}_principal` in labels) labels[`${side}_principal`] = principal;
}
