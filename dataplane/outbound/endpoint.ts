import type { MeshEndpoint, SubsetView } from "../config/compiled.ts";
import { LoadBalancer } from "../traffic/load-balancer.ts";
import { NoHealthyUpstreamError, UpstreamConnectFailureError, UpstreamTimeoutError } from "../traffic/mesh-error.ts";
import { OutlierDetector, type UpstreamOutcome } from "../traffic/outlier-detection.ts";
import { AttemptTimeoutError } from "../traffic/timeout.ts";
import type { IsolateState } from "../isolate.ts";
import type { OutboundLayer } from "./call.ts";
import { callHashKey } from "./hash-cookie.ts";

/** A destination subset's balancer and outlier detection, kept per isolate (IsolateState.subsets). */
export interface SubsetState {
  signature: string;
  balancer: LoadBalancer<MeshEndpoint>;
  outliers?: OutlierDetector;
}

// The policy signature per subset view (views live as long as their snapshot): computed once, not per request.
const signatures = new WeakMap<SubsetView, string>();

// Round-robin positions, in-flight counts and ejections outlive requests (in the isolate's
// state), and are rebuilt only when the subset's policy changes.
function stateOf(subsets: IsolateState["subsets"], view: SubsetView): SubsetState {
  const { loadBalancer, outlierDetection } = view.policy;
  let signature = signatures.get(view);
  if (signature === undefined) signatures.set(view, (signature = JSON.stringify([loadBalancer, outlierDetection])));
  let state = subsets.get(view.key);
  if (!state || state.signature !== signature) {
    state = {
      signature,
      balancer: new LoadBalancer<MeshEndpoint>(loadBalancer, { minHealthPercent: outlierDetection?.minHealthPercent }),
      // Istio detects outliers only where a DestinationRule asks for it.
      outliers: outlierDetection ? new OutlierDetector(outlierDetection) : undefined,
    };
    subsets.set(view.key, state);
  }
  return state;
}

/**
 * Endpoint choice, per attempt: the destination subset's healthy endpoints minus those
 * outlier detection has ejected, picked by the subset's load balancer, and on a retry not one
 * an earlier attempt went to while another is left (`retryIgnorePreviousHosts`); the
 * attempt's outcome is fed back to outlier detection. No endpoint left: 503 UH.
 */
export const chooseEndpoint: OutboundLayer = (request, call, next) => {
  const destination = call.destination!;
  const label = `${destination.service.host}${destination.subset ? `|${destination.subset}` : ""}`;
  const view = call.mesh.subset(destination.service, destination.subset, call.source.namespace);
  if (!view) return Promise.reject(new NoHealthyUpstreamError(label));
  const state = stateOf(call.isolate.subsets, view);
  const hash = view.policy.loadBalancer?.consistentHash;
  const hashKey = hash ? callHashKey(request, call, hash) : undefined;
  const ejected = state.outliers ? (address: string) => state.outliers!.isEjected(address) : undefined;
  const previous = call.previousEndpoints;
  // A retry prefers an endpoint no earlier attempt went to; with none left, any will do.
  const endpoint =
    (previous?.size ? state.balancer.pick(view.endpoints, { hashKey, isEjected: (address) => previous.has(address) || (ejected?.(address) ?? false) }) : undefined) ??
    state.balancer.pick(view.endpoints, { hashKey, isEjected: ejected });
  if (!endpoint) return Promise.reject(new NoHealthyUpstreamError(label));
  call.endpoint = endpoint;
  previous?.add(endpoint.address);
  const release = state.balancer.begin(endpoint.address);
  const record = (outcome: UpstreamOutcome) => state.outliers?.record(endpoint.address, outcome, view.endpoints.length);
  const failed = (error: unknown): never => {
    try {
      if (error instanceof AttemptTimeoutError || error instanceof UpstreamTimeoutError) record({ failure: "timeout" });
      else if (error instanceof UpstreamConnectFailureError) record({ failure: "connect-failure" });
    } finally {
      release();
    }
    throw error;
  };
  // One promise for the outcome, none of this layer's own: the attempt's answer is fed back when it comes.
  let attempt: Promise<Response>;
  try {
    attempt = next(request, call);
  } catch (error) {
    return Promise.reject(error).catch(failed);
  }
  return attempt.then((response) => {
    try {
      record({ status: response.status });
    } finally {
      release();
    }
    return response;
  }, failed);
};
