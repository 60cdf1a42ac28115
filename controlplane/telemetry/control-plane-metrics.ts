// Control-plane and CA figures for /metrics, read from MeshControl and the CA object.
// A source that fails is shown as isthmus_metrics_source_up 0 instead of failing /metrics.
import { certificateAuthority } from "../ca/routes/index.ts";
import { meshControl, type Env } from "../env.ts";
import type { Exposition, Sample } from "./exposition.ts";

/** Adds the control plane's and the CA's figures, then isthmus_metrics_source_up of them and of `up` (sources read before). */
export async function collectControlPlaneMetrics(env: Env, out: Exposition, earlier: Sample[] = []): Promise<void> {
  const up: Sample[] = [...earlier];
  try {
    const status = await meshControl(env).status();
    out
      .gauge("isthmus_snapshot_version", "Version of the newest config snapshot compiled by the control plane.", [{ labels: {}, value: status.snapshotVersion }])
      .gauge("isthmus_config_revision", "Newest config revision number (every accepted change adds one).", [{ labels: {}, value: status.revision }]);
    up.push({ labels: { source: "mesh_control" }, value: 1 });
  } catch (error) {
    console.warn(JSON.stringify({ msg: "metrics: mesh control unavailable", error: String(error) }));
    up.push({ labels: { source: "mesh_control" }, value: 0 });
  }
  if (env.CA) {
    try {
      const result = await certificateAuthority(env).info();
      if (!result.ok) throw new Error(result.refusal.message);
      const ca = result.value;
      out
        .gauge("isthmus_ca_bundle_sequence", "spiffe_sequence of the trust bundle; grows with every key or root change.", [{ labels: {}, value: ca.bundleSequence }])
        .gauge(
          "isthmus_ca_authority_expiry_seconds",
          "Seconds until each root or intermediate CA certificate expires.",
          ca.authorities.map((a) => ({ labels: { role: a.role, source: a.source, state: a.state, subject: a.subject }, value: a.secondsToExpiry })),
        )
        .gauge(
          "isthmus_ca_jwt_signing_keys",
          "JWT-SVID signing keys in the trust bundle, by state.",
          (["active", "retiring"] as const).map((state) => ({ labels: { state }, value: ca.jwtKeys.filter((k) => k.state === state).length })),
        )
        .gauge("isthmus_ca_revoked_identities", "Workload identities revoked by the CA.", [{ labels: {}, value: ca.revoked.length }])
        .counter(
          "isthmus_ca_certificates_issued_total",
          "Credentials the CA has issued, by type (jwt-svid, x509-svid).",
          (["jwt-svid", "x509-svid"] as const).map((type) => ({ labels: { type }, value: ca.issued[type] })),
        );
      up.push({ labels: { source: "ca" }, value: 1 });
    } catch (error) {
      console.warn(JSON.stringify({ msg: "metrics: CA unavailable", error: String(error) }));
      up.push({ labels: { source: "ca" }, value: 0 });
    }
  }
  out.gauge("isthmus_metrics_source_up", "1 when /metrics could read the source, else 0.", up);
}
