// What a request counts as, for every success rate the mesh shows: a rollout's analysis,
// `/v1/stats` (so custom checks, `isthmus stat` and the dashboard) and the rollout's chart.
// One definition, so the same window cannot give two success rates.

/**
 * An error is a 5xx answer: success rate is non-5xx over all requests, as Istio's
 * dashboards and Argo Rollouts' and Flagger's request-success-rate count it
 * (`response_code!~"5.*"`). The mesh's own failures (a Worker that threw: UF, every
 * endpoint ejected: UH, a timeout: UT) answer 5xx, so they count too.
 */
export function isError(responseCode: string | undefined): boolean {
  return (responseCode ?? "").startsWith("5");
}

/**
 * Whose counts a destination version's figures come from, as Argo Rollouts' Istio analysis
 * reads them: the callers' (`reporter="source"`) when any caller reported requests, else
 * the version's own (`destination`: callers outside the mesh). A Worker that throws never
 * reports the request itself, and one that found every endpoint ejected never reaches it,
 * so only the callers see those failures. Both sides of a hop report it: one is counted.
 * Undefined when no reporter counted a request.
 */
export function reporterOf(requestsByReporter: Readonly<Record<string, number>>): string | undefined {
  for (const reporter of ["source", "destination"]) if ((requestsByReporter[reporter] ?? 0) > 0) return reporter;
  return Object.keys(requestsByReporter).find((reporter) => requestsByReporter[reporter]! > 0);
}
