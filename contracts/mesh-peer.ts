// The one RPC face between the planes: the control-plane Worker's `MeshPeer` entrypoint
// implements it, and data-plane Workers reach it through the `ISTHMUS_CONTROL` service binding,
// whose props (namespace, service account) attest who is calling. The data plane declares
// the parts it uses as `Pick`s of this interface, never its own copies.
import type { SpiffeBundleDocument } from "../identity/trust-bundle.ts";
import type { BindingReport } from "./snapshot/binding-report.ts";
import type { SnapshotStamp } from "./snapshot/stamp.ts";
import type { TelemetryBatch, TelemetryReply } from "./telemetry/batch.ts";

/** A JWT-SVID for the calling workload. */
export interface JwtSvidAnswer {
  token: string;
  expiresAt: string;
  spiffeId: string;
}

/** An X509-SVID chain (PEM, leaf first) for the calling workload. */
export interface X509SvidAnswer {
  chain: string;
  spiffeId: string;
  expiresAt: string;
}

/** What the control plane answers data-plane Workers over RPC. */
export interface MeshPeerApi {
  /**
   * The snapshot when newer than `since` (a version, or `<epoch>:<version>`), else null. The
   * data plane checks it on receipt, so it is `unknown` here. `bindings`: the caller's binding
   * names, now and then (older control planes ignore the argument).
   */
  snapshot(since?: number | string | null, bindings?: BindingReport): Promise<unknown | null>;
  /** The current snapshot's epoch, version and hash. */
  snapshotStamp(): Promise<SnapshotStamp>;
  /** Stores a telemetry batch; answers the services being tapped. */
  reportTelemetry(batch: TelemetryBatch): Promise<TelemetryReply>;
  /** A JWT-SVID for the caller; `audience` is the callee's SPIFFE ID. */
  jwtSvid(audience: string | string[], options?: { ttlSeconds?: number; publicKey?: JsonWebKey }): Promise<JwtSvidAnswer>;
  /** An X509-SVID for the caller's PKCS#10 CSR (PEM). */
  x509Svid(csrPem: string): Promise<X509SvidAnswer>;
  /** The SPIFFE trust bundle. */
  trustBundle(): Promise<SpiffeBundleDocument>;
}
