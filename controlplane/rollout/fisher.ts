// Fisher's exact test for "the canary fails more often than stable": exact at any count,
// where the two-proportion z-test's normal approximation is loose (a single canary error in
// a hundred requests would fail it against a 0.1 % stable).

/**
 * The one-sided p-value of Fisher's exact test: the chance, with the errors of both sides
 * fixed and spread at random over their requests, that the canary gets at least as many as
 * it did (the hypergeometric upper tail). 1 when the canary has no error.
 */
export function fisherExactGreater(canary: { requests: number; errors: number }, stable: { requests: number; errors: number }): number {
  const total = canary.requests + stable.requests;
  const errors = canary.errors + stable.errors;
  const n = canary.requests;
  const lowest = Math.max(0, n + errors - total);
  if (canary.errors <= lowest) return 1;
  const highest = Math.min(errors, n);
  // First term from log-factorials; each next one by its ratio to the one before.
  let term = Math.exp(logChoose(errors, canary.errors) + logChoose(total - errors, n - canary.errors) - logChoose(total, n));
  let p = 0;
  for (let x = canary.errors; x <= highest && term > 0; x++) {
    p += term;
    term *= ((errors - x) * (n - x)) / ((x + 1) * (total - errors - n + x + 1));
  }
  return Math.min(1, p);
}

/**
 * Whether the normal approximation holds for these counts: each side's expected errors and
 * successes under the pooled rate at least 5 (Cochran's rule). Else the exact test is used.
 */
export function largeEnoughForZ(canary: { requests: number; errors: number }, stable: { requests: number; errors: number }): boolean {
  const pooled = (canary.errors + stable.errors) / (canary.requests + stable.requests);
  return [canary.requests, stable.requests].every((n) => n * pooled >= 5 && n * (1 - pooled) >= 5);
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/** ln(n!) by the Lanczos approximation of ln Γ(n + 1) (relative error about 1e-15). */
function logFactorial(n: number): number {
  if (n < 2) return 0;
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const x = n; // Γ(n + 1) = Γ(z) with z = n + 1, and the series is in z - 1 = n
  let sum = c[0]!;
  for (let i = 1; i < g + 2; i++) sum += c[i]! / (x + i);
  const t = x + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}
