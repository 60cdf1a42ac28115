// The standard normal distribution, for the two-proportion test.

/**
 * The z with P(Z <= z) = p (the probit), by Acklam's rational approximation (relative error
 * below 1.2e-9 over (0, 1)), e.g. 1.6449 for 0.95 and 2.3263 for 0.99.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability ${p} is not inside (0, 1)`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * The pooled two-proportion z statistic for "the canary fails more often than stable":
 * (pc - ps) / sqrt(p (1 - p) (1/nc + 1/ns)) with p the pooled error rate; 0 when neither
 * side has an error (or both always fail).
 */
export function twoProportionZ(canary: { requests: number; errors: number }, stable: { requests: number; errors: number }): number {
  const pc = canary.errors / canary.requests;
  const ps = stable.errors / stable.requests;
  const pooled = (canary.errors + stable.errors) / (canary.requests + stable.requests);
  const variance = pooled * (1 - pooled) * (1 / canary.requests + 1 / stable.requests);
  return variance === 0 ? 0 : (pc - ps) / Math.sqrt(variance);
}
