// A data-plane Worker's own facts as metric labels, and the claim it sends of them to the
// services it calls (Istio's metadata exchange), built once per workload.
import type { Workload } from "../workload.ts";
import type { WorkloadFacts } from "../../contracts/telemetry/labels.ts";

/**
 * Who called, as the caller's outbound layer says (Istio's metadata exchange): workload
 * name, app, version, namespace. A claim; the principal comes from authentication.
 */
export const SOURCE_HEADER = "x-isthmus-source-workload";

/** Istio's workload name for a data-plane Worker: `reviews-v2`, or the service alone. */
export function workloadName(w: Workload): string {
  return w.version ? `${w.service}-${w.version}` : w.service;
}

/** The workload's labels as one side of a series. */
export function selfFacts(w: Workload, trustDomain: string): WorkloadFacts {
  return {
    workload: workloadName(w),
    namespace: w.namespace,
    principal: `spiffe://${trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`,
    app: w.labels.app ?? w.service,
    version: w.version,
  };
}

const claims = new WeakMap<Workload, string>();

/** The workload's claim header value, built once per workload object. */
export function sourceClaim(w: Workload): string {
  let claim = claims.get(w);
  if (claim === undefined) {
    claim = new URLSearchParams({ workload: workloadName(w), app: w.labels.app ?? w.service, version: w.version ?? "", ns: w.namespace }).toString();
    claims.set(w, claim);
  }
  return claim;
}

/** The facts a claim header states; empty for none. */
export function parseSourceClaim(value: string | null): WorkloadFacts {
  if (!value) return {};
  const p = new URLSearchParams(value);
  return { workload: p.get("workload") || undefined, app: p.get("app") || undefined, version: p.get("version") || undefined, namespace: p.get("ns") || undefined };
}
