import type { MeshPeerApi } from "../contracts/mesh-peer.ts";
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Snapshot } from "../contracts/snapshot/schema.ts";
import type { SnapshotStamp } from "../contracts/snapshot/stamp.ts";
import { app } from "./http/app.ts";
import { peerJwtSvid, peerTrustBundle, peerX509Svid } from "./ca/routes/peer.ts";
import type { Env } from "./env.ts";
import type { TelemetryReply } from "../contracts/telemetry/batch.ts";
import { receiveTelemetry } from "./telemetry/receive.ts";
import { reportOf } from "./config/binding-reports.ts";

export { MeshControl } from "./config/mesh-control.ts";
export { CertificateAuthority } from "./ca/certificate-authority.ts";
export { Telemetry } from "./telemetry/telemetry-object.ts";
export { RolloutController } from "./rollout/controller.ts";

/** Who a data-plane Worker is: the props of the service binding it reaches MeshPeer through. */
export interface MeshPeerProps {
  namespace: string;
  serviceAccount: string;
}

// Every data-plane isolate revalidates once a second: derive the one MeshControl id once
// per isolate, not per RPC (idFromName hashes the name).
let meshId: DurableObjectId | undefined;

/**
 * The control plane as data-plane Workers see it over Workers RPC (a service binding with
 * `entrypoint = "MeshPeer"` and props naming the workload). No bearer token: the binding
 * itself is the credential.
 */
export class MeshPeer extends WorkerEntrypoint<Env, MeshPeerProps> implements MeshPeerApi {
  /**
   * The snapshot when newer than `since` — a version, or `<epoch>:<version>` so that a data
   * plane holding another epoch's snapshot takes this one at any version — else null.
   */
  async snapshot(since?: number | string | null, bindings?: unknown): Promise<Snapshot | null> {
    const namespace = this.env.MESH_CONTROL;
    const mesh = namespace.get((meshId ??= namespace.idFromName("mesh")));
    // The binding names now and then sent along (attested by the props); never in the pull's way.
    const report = bindings === undefined ? undefined : reportOf(this.ctx.props, bindings);
    if (report) this.ctx.waitUntil(mesh.reportBindings(report.identity, report.bindings));
    return mesh.snapshot(since ?? null) as Promise<Snapshot | null>;
  }

  /** The current snapshot's epoch, version and hash (a few bytes): data planes fetch the snapshot only when it moves. */
  async snapshotStamp(): Promise<SnapshotStamp> {
    const namespace = this.env.MESH_CONTROL;
    return namespace.get((meshId ??= namespace.idFromName("mesh"))).snapshotStamp();
  }

  /** Stores a telemetry batch from the data plane, attested by the binding's props; answers the services to tap. */
  async reportTelemetry(batch: unknown): Promise<TelemetryReply> {
    return receiveTelemetry(this.env, this.ctx.props, batch);
  }

  /** A JWT-SVID for this workload (attested by the binding props); audience = the callee's SPIFFE ID. */
  async jwtSvid(audience: string | string[], options?: { ttlSeconds?: number; publicKey?: JsonWebKey }) {
    return peerJwtSvid(this.env, this.ctx.props, audience, options);
  }

  /** An X509-SVID chain (PEM, leaf first) for this workload's PKCS#10 CSR. */
  async x509Svid(csrPem: string) {
    return peerX509Svid(this.env, this.ctx.props, csrPem);
  }

  /** The SPIFFE trust bundle (parse with identity/trust-bundle.ts). */
  async trustBundle() {
    return peerTrustBundle(this.env);
  }
}

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
