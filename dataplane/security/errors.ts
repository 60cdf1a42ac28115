import { MeshError } from "../traffic/mesh-error.ts";
import { ResponseFlag } from "../traffic/response-flags.ts";

/**
 * The callee's answer did not prove the identity the caller meant to reach (502, UPE):
 * no answer proof, a bad one, or one from another workload. `reason` says which.
 */
export class PeerIdentityMismatchError extends MeshError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super("peer_identity_mismatch", 502, [ResponseFlag.UpstreamProtocolError], message);
  }
}

/** This workload cannot get its own credentials or the trust bundle (503). */
export class IdentityUnavailableMeshError extends MeshError {
  constructor(readonly reason: string, message: string) {
    super("identity_unavailable", 503, [], message);
  }
}
