/** Who a data-plane Worker is in the mesh: Istio's workload facts. */
export interface Workload {
  /** Service (Istio's `app` label / workload name), e.g. `reviews`. */
  service: string;
  namespace: string;
  /** Version label, e.g. `v2`. */
  version?: string;
  labels: Record<string, string>;
  /** Service account the identity is issued for; defaults to the service name. */
  serviceAccount: string;
}

/** Fills the defaults: labels `app` and `version` as Bookinfo's pods carry, service account = service. */
export function workload(facts: {
  service: string;
  namespace?: string;
  version?: string;
  labels?: Record<string, string>;
  serviceAccount?: string;
}): Workload {
  const labels: Record<string, string> = { app: facts.service, ...(facts.version ? { version: facts.version } : {}), ...facts.labels };
  return {
    service: facts.service,
    namespace: facts.namespace ?? "default",
    version: facts.version,
    labels,
    serviceAccount: facts.serviceAccount ?? facts.service,
  };
}
