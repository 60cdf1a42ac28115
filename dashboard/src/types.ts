// The JSON shapes the dashboard reads from the control API, as the API documents them in
// /openapi.json (the server's zod schemas are the source of truth; these name only the
// fields the page uses).

export type Role = "viewer" | "editor" | "admin" | "dataplane";

export interface Session {
  name: string;
  role: Role;
}

export interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  resourceVersion?: string;
  [field: string]: unknown;
}

export interface Resource<Spec = Record<string, unknown>> {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec: Spec;
}

export interface Destination {
  host: string;
  subset?: string;
  port?: { number?: number };
}

export interface RouteDestination {
  destination: Destination;
  weight?: number;
  [field: string]: unknown;
}

export interface HttpRoute {
  name?: string;
  match?: Record<string, unknown>[];
  route?: RouteDestination[];
  [field: string]: unknown;
}

export type VirtualService = Resource<{ hosts?: string[]; gateways?: string[]; http?: HttpRoute[]; [field: string]: unknown }>;
export type DestinationRule = Resource<{ host: string; subsets?: { name: string; labels?: Record<string, string> }[]; trafficPolicy?: unknown }>;
export type ServiceEntry = Resource<{ hosts: string[]; endpoints?: { address: string; labels?: Record<string, string> }[] }>;

export interface Figures {
  requests: number;
  rps: number;
  successRate: number | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
}

export interface VersionStats extends Figures {
  service: string;
  namespace: string;
  version: string;
}

export interface EdgeStats extends Figures {
  source: { workload: string; namespace: string };
  destination: { service: string; namespace: string; version: string };
}

export interface RevisionChange {
  kind: string;
  namespace: string;
  name: string;
  action: string;
  before?: Resource | null;
  after?: Resource | null;
}

export interface Revision {
  number: number;
  createdAt: string;
  actor: string;
  operation: "apply" | "delete" | "rollback";
  message: string;
  changes: RevisionChange[];
}

export interface RegistryEndpoint {
  id: string;
  namespace: string;
  service: string;
  address: string;
  labels: Record<string, string>;
  healthy: boolean;
  lastHeartbeat: string;
}

export interface Snapshot {
  version: number;
  generatedAt: string;
  endpointHealth: Record<string, { healthy: boolean; lastHeartbeat?: string }>;
}

export interface CaInfo {
  trustDomain: string;
  bootstrapped: boolean;
  keyProtection: string;
  bundleSequence: number;
  authorities: { role: string; source: string; subject: string; notAfter: string; secondsToExpiry: number; state: string; issuing: boolean }[];
  jwtKeys: { kid: string; state: string; createdAt: string; retireAt: string | null }[];
  jwtRotation: { periodSeconds: number; nextRotationAt: string | null };
  revoked: string[];
  findings: { code?: string; severity?: string; message: string }[];
}

export interface Identity {
  spiffeId: string;
  namespace: string;
  serviceAccount: string;
  createdAt: string;
  revokedAt: string | null;
  attestation: string;
  activeJoinTokens: number;
  /** When the CA last issued an SVID to it, where the CA reports it. */
  lastIssuedAt?: string | null;
}

export interface TapEvent {
  time: string;
  reporter: string;
  source: string;
  destination: string;
  destinationVersion: string;
  method: string;
  path: string;
  responseCode: number;
  responseFlags: string;
  durationMs: number;
}

/** One side of a Rollout analysis window (issue #19's contract). */
export interface RolloutSide {
  requests: number;
  errors: number;
  successRate?: number | null;
  p50Ms?: number | null;
  p99Ms?: number | null;
}

export interface RolloutVerdict {
  result: "pass" | "fail" | "insufficient_data";
  reason?: string;
  window?: { from: string; to: string };
  canary?: RolloutSide;
  stable?: RolloutSide;
  checks?: { name: string; result: string; value?: number | null; threshold?: number | null }[];
}

export interface RolloutEvent {
  at: string;
  stepIndex?: number;
  weight?: number;
  event: string;
  verdict?: RolloutVerdict;
  revision?: number;
  reason?: string;
  message?: string;
}

export interface RolloutStatus {
  phase?: string;
  stepIndex?: number;
  weight?: number;
  steps?: { weight: number; approval?: boolean; minRequests?: number; minDuration?: string }[];
  failures?: number;
  message?: string;
  updatedAt?: string;
  history?: RolloutEvent[];
}

export type Rollout = Resource<{
  service: string;
  stableSubset: string;
  canarySubset: string;
  virtualService: string;
  steps?: { weight: number; approval?: boolean }[];
  analysis?: { interval?: string; failureLimit?: number; [field: string]: unknown };
  [field: string]: unknown;
}> & { status?: RolloutStatus };

/** `/series`: canary and stable per time bucket, for the chart. */
export interface RolloutSeries {
  buckets: { at: string; canary: RolloutSide; stable: RolloutSide }[];
}
