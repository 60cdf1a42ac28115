import type { CompiledMesh } from "../config/compiled.ts";
import type { SnapshotResource } from "../../contracts/snapshot/schema.ts";
import { annotation, matchLabelsOf, perTarget, ROOT_NAMESPACE, selects, type PolicyTarget } from "./policy-scope.ts";

/** How a workload treats callers' identities: Istio's PeerAuthentication modes. */
export type PeerAuthenticationMode = "STRICT" | "PERMISSIVE" | "DISABLE";

/** Opts a PeerAuthentication (and the workloads it governs) into proof-of-possession. */
export const PROOF_OF_POSSESSION_ANNOTATION = "isthmus.io/proof-of-possession";
/** In proof-of-possession mode, request proofs also bind a SHA-256 digest of the request body. */
export const POP_BODY_DIGEST_ANNOTATION = "isthmus.io/pop-body-digest";

/** The effective peer authentication of one workload and port. */
export interface PeerPolicy {
  mode: PeerAuthenticationMode;
  /** Every request must carry a request proof signed by the caller's workload key. */
  proofOfPossession: boolean;
  /** Request proofs also bind the body's digest (only with `proofOfPossession`). */
  bodyDigest: boolean;
  /** `namespace/name` of the most specific policy that decided, if any. */
  decidedBy?: string;
}

/** With no PeerAuthentication at all: Isthmus requires identities (Istio's default is PERMISSIVE). */
export const DEFAULT_MODE: PeerAuthenticationMode = "STRICT";

type Mtls = { mode?: "UNSET" | "DISABLE" | "PERMISSIVE" | "STRICT" } | undefined;
interface Spec {
  mtls?: Mtls;
  portLevelMtls?: Record<string, Mtls>;
}

const setMode = (mtls: Mtls): PeerAuthenticationMode | undefined =>
  mtls?.mode && mtls.mode !== "UNSET" ? mtls.mode : undefined;

// peerPolicy's memo key for no port under Istio's root namespace.
const DEFAULT_VARIANT = `|${ROOT_NAMESPACE}`;

/**
 * Istio's composition (ComposePeerAuthentication): of the policies that apply, the mesh
 * one (root namespace, no selector), the namespace one (no selector) and the workload one
 * (selector matches; not in the root namespace); the narrowest that sets a mode wins and
 * UNSET inherits; `portLevelMtls` of the workload policy overrides for its ports. Where
 * Istio picks the oldest of several policies in one scope, the snapshot has no creation
 * times, so the first by name wins. The proof-of-possession annotation is read from the
 * narrowest policy that carries it.
 */
export function peerPolicy(mesh: CompiledMesh, target: PolicyTarget, port?: number, rootNamespace = ROOT_NAMESPACE): PeerPolicy {
  // The usual variant (no port, Istio's root) without building its key per request.
  const variant = port === undefined && rootNamespace === ROOT_NAMESPACE ? DEFAULT_VARIANT : `${port ?? ""}|${rootNamespace}`;
  return perTarget(mesh, "security:peer-policies", target, variant, () => compose(mesh, target, port, rootNamespace));
}

function compose(mesh: CompiledMesh, target: PolicyTarget, port: number | undefined, rootNamespace: string): PeerPolicy {
  const policies = mesh.ofKind("PeerAuthentication");
  let meshWide: SnapshotResource | undefined;
  let namespaced: SnapshotResource | undefined;
  let workload: SnapshotResource | undefined;
  for (const policy of policies) {
    const ns = policy.metadata.namespace;
    const labels = matchLabelsOf(policy);
    if (Object.keys(labels).length === 0) {
      if (ns === rootNamespace) meshWide ??= policy;
      else if (ns === target.namespace) namespaced ??= policy;
    } else if (ns === target.namespace && ns !== rootNamespace && selects(labels, target.labels)) {
      workload ??= policy;
    }
  }
  let mode = DEFAULT_MODE;
  let decidedBy: string | undefined;
  let proofOfPossession = false;
  let bodyDigest = false;
  for (const policy of [meshWide, namespaced, workload]) {
    if (!policy) continue;
    const set = setMode((policy.spec as Spec).mtls);
    if (set) {
      mode = set;
      decidedBy = `${policy.metadata.namespace}/${policy.metadata.name}`;
    }
    const pop = annotation(policy, PROOF_OF_POSSESSION_ANNOTATION);
    if (pop !== undefined) proofOfPossession = pop === "true";
    const digest = annotation(policy, POP_BODY_DIGEST_ANNOTATION);
    if (digest !== undefined) bodyDigest = digest === "true";
  }
  if (workload && port !== undefined) {
    const set = setMode((workload.spec as Spec).portLevelMtls?.[String(port)]);
    if (set) {
      mode = set;
      decidedBy = `${workload.metadata.namespace}/${workload.metadata.name}`;
    }
  }
  const pop = proofOfPossession && mode !== "DISABLE";
  return { mode, proofOfPossession: pop, bodyDigest: pop && bodyDigest, decidedBy };
}
