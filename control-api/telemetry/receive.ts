// The control-plane side of MeshPeer.reportTelemetry: validate the batch, attest the
// reporter from the service binding's props (never from the batch), split the series by
// shard and hand them to the Telemetry objects.
import { telemetryBatchSchema, type SeriesAggregate, type TelemetryReply } from "../../dataplane/telemetry/batch.ts";
import { META, seriesService, shardName, shardStub, type TelemetryNamespace } from "./shards.ts";

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
  constructor(readonly details: { path: string; message: string }[]) {
    super("telemetry batch does not match the schema");
  }
}

export type ReceiveEnv = { TELEMETRY?: DurableObjectNamespace; ISTHMUS_TRUST_DOMAIN?: string };

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

  const byShard = new Map<string, SeriesAggregate[]>();
  for (const s of batch.series) {
    attest(s.labels, props.namespace, principal);
    const shard = shardName(seriesService(s.labels));
    byShard.set(shard, [...(byShard.get(shard) ?? []), s]);
  }
  for (const c of batch.counters) c.labels.destination_workload_namespace = props.namespace;

  const [reply] = await Promise.all([
    shardStub(ns, META).observe({
      isolate: batch.isolate,
      workload: batch.workload,
      namespace: props.namespace,
      serviceAccount: props.serviceAccount,
      snapshotVersion: batch.snapshotVersion,
      snapshotGeneratedAt: batch.snapshotGeneratedAt,
      snapshotAppliedAt: batch.snapshotAppliedAt,
      snapshotAgeMs: batch.snapshotAgeMs,
      stale: batch.stale,
      counters: batch.counters,
      tap: batch.tap,
    }),
    ...[...byShard].map(([shard, series]) => shardStub(ns, shard).ingest(series, shard)),
  ]);
  return { tapped: reply.tapped };
}

// The reporter's own side of each series is who the binding says it is.
function attest(labels: Record<string, string>, namespace: string, principal: string): void {
  const side = labels.reporter === "destination" ? "destination" : labels.reporter === "source" ? "source" : null;
  if (!side) return;
  labels[`${side}_workload_namespace`] = namespace;
  if (`${side}_principal` in labels) labels[`${side}_principal`] = principal;
}
