// Istio's standard metric labels, in the order Istio's stats plugin emits them, so that
// existing dashboards and PromQL (e.g. success rate by destination_version) work unchanged.
export const ISTIO_LABELS = [
  "reporter",
  "source_workload",
  "source_workload_namespace",
  "source_principal",
  "source_app",
  "source_version",
  "source_canonical_service",
  "source_canonical_revision",
  "destination_workload",
  "destination_workload_namespace",
  "destination_principal",
  "destination_app",
  "destination_version",
  "destination_service",
  "destination_service_name",
  "destination_service_namespace",
  "destination_canonical_service",
  "destination_canonical_revision",
  "request_protocol",
  "response_code",
  "grpc_response_status",
  "response_flags",
  "connection_security_policy",
] as const;

export type IstioLabel = (typeof ISTIO_LABELS)[number];
export type IstioLabels = Record<IstioLabel, string>;

/** Istio's value for a label whose fact is missing. */
export const UNKNOWN = "unknown";

/** Who counted the request: the client side, the server side, or an ambient waypoint. */
export type Reporter = "source" | "destination" | "waypoint";

/** One side of a request as the reporter knows it. Missing facts become "unknown". */
export type WorkloadFacts = {
  workload?: string;
  namespace?: string;
  /** SPIFFE ID, e.g. spiffe://cluster.local/ns/default/sa/reviews */
  principal?: string;
  app?: string;
  version?: string;
};

/** Who reported and both sides of a request: the labels that do not vary per request. */
export type SeriesFacts = {
  reporter: Reporter;
  source: WorkloadFacts;
  destination: WorkloadFacts & {
    /** Fully qualified host, e.g. reviews.default.svc.cluster.local */
    service?: string;
    serviceName?: string;
    serviceNamespace?: string;
  };
  protocol: "http" | "grpc";
  /** gRPC status when protocol is grpc. */
  grpcStatus?: number;
};

/** The labels a request sets on top of its SeriesFacts: its outcome and how the peer was verified. */
export const PER_REQUEST_LABELS = ["response_code", "response_flags", "connection_security_policy"] as const;

/** The facts a reporter knows about a request, once per request per reporter. */
export type RequestSample = SeriesFacts & {
  responseCode: number;
  /** Envoy-style flags ("UH", "URX,UT", ...), "-" when none. */
  responseFlags: string;
  /** True when the peer was authenticated by its mesh identity (JWT-SVID). */
  mutualTls: boolean;
  durationMs: number;
  requestBytes: number;
  responseBytes: number;
  /** Request facts used only for tap summaries, never as labels (cardinality). */
  method?: string;
  path?: string;
  traceId?: string;
};

/** Istio's label set for one sample. */
export function istioLabels(sample: RequestSample): IstioLabels {
  const s = sample.source;
  const d = sample.destination;
  const sourceCanonical = s.app ?? s.workload;
  const destinationCanonical = d.app ?? d.serviceName ?? d.workload;
  return {
    reporter: sample.reporter,
    source_workload: s.workload || UNKNOWN,
    source_workload_namespace: s.namespace || UNKNOWN,
    source_principal: s.principal || UNKNOWN,
    source_app: s.app || UNKNOWN,
    source_version: s.version || UNKNOWN,
    source_canonical_service: sourceCanonical || UNKNOWN,
    source_canonical_revision: s.version || "latest",
    destination_workload: d.workload || UNKNOWN,
    destination_workload_namespace: d.namespace || UNKNOWN,
    destination_principal: d.principal || UNKNOWN,
    destination_app: d.app || UNKNOWN,
    destination_version: d.version || UNKNOWN,
    destination_service: d.service || UNKNOWN,
    destination_service_name: d.serviceName || UNKNOWN,
    destination_service_namespace: d.serviceNamespace || UNKNOWN,
    destination_canonical_service: destinationCanonical || UNKNOWN,
    destination_canonical_revision: d.version || "latest",
    request_protocol: sample.protocol,
    response_code: String(sample.responseCode),
    grpc_response_status: sample.grpcStatus === undefined ? "" : String(sample.grpcStatus),
    response_flags: sample.responseFlags || "-",
    connection_security_policy: sample.mutualTls ? "mutual_tls" : "none",
  };
}

export type PerRequestLabel = (typeof PER_REQUEST_LABELS)[number];

/** The labels of `facts` without the per-request ones: built once per series, never per request. */
export function factLabels(facts: SeriesFacts): Omit<IstioLabels, PerRequestLabel> {
  const all = istioLabels({ ...facts, responseCode: 0, responseFlags: "", mutualTls: false, durationMs: 0, requestBytes: 0, responseBytes: 0 });
  const labels: Record<string, string> = {};
  for (const name of ISTIO_LABELS) if (!(PER_REQUEST_LABELS as readonly string[]).includes(name)) labels[name] = all[name];
  return labels as Omit<IstioLabels, PerRequestLabel>;
}

/**
 * Label names an operator drops mesh-wide (`ISTHMUS_DROP_LABELS`, comma separated).
 * Unknown names are ignored; `reporter` can not be dropped because every view needs it.
 */
export function parseDropLabels(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "" && name !== "reporter" && (ISTIO_LABELS as readonly string[]).includes(name));
}

/** A copy of `labels` without the dropped names. */
export function dropLabels<T extends Record<string, string>>(labels: T, dropped: readonly string[]): Partial<T> {
  if (dropped.length === 0) return labels;
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) if (!dropped.includes(name)) kept[name] = value;
  return kept as Partial<T>;
}

/** Stable identity of a label set (ISTIO_LABELS order first, then any others sorted). */
export function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.keys(labels).sort(compareLabelNames).map((name) => [name, labels[name]]));
}

function compareLabelNames(a: string, b: string): number {
  const ia = (ISTIO_LABELS as readonly string[]).indexOf(a);
  const ib = (ISTIO_LABELS as readonly string[]).indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}
