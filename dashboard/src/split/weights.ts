// Editing the weights of one HTTP route of a VirtualService: Istio wants integer weights
// that add up to 100 when a route has more than one destination.
import type { RouteDestination, VirtualService } from "../types.ts";

/** The weights as Istio reads them: a lone destination without a weight gets 100. */
export function weightsOf(route: RouteDestination[]): number[] {
  if (route.length === 1) return [route[0]!.weight ?? 100];
  return route.map((d) => d.weight ?? 0);
}

/**
 * Sets destination `index` to `value` (clamped to 0..100) and shares what is left among
 * the others in proportion to their weights (evenly when they are all 0), so the total
 * stays 100; rounding by largest remainder.
 */
export function rebalance(weights: number[], index: number, value: number): number[] {
  if (weights.length === 1) return [100];
  const fixed = Math.min(100, Math.max(0, Math.round(value)));
  const others = weights.map((w, i) => (i === index ? 0 : Math.max(0, w)));
  const otherTotal = others.reduce((a, b) => a + b, 0);
  const shares = others.map((w, i) => (i === index ? 0 : otherTotal === 0 ? 1 : w));
  const shareTotal = shares.reduce((a, b) => a + b, 0);
  const exact = shares.map((s) => ((100 - fixed) * s) / shareTotal);
  const result = exact.map(Math.floor);
  let left = 100 - fixed - result.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).filter(({ i }) => i !== index).sort((a, b) => b.r - a.r);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    result[i]!++;
    left--;
  }
  result[index] = fixed;
  return result;
}

/** A copy of `vs` whose route `routeIndex` goes to `destinations` with `weights`. */
export function withSplit(vs: VirtualService, routeIndex: number, destinations: RouteDestination[], weights: number[]): VirtualService {
  const copy = structuredClone(vs);
  const route = copy.spec.http?.[routeIndex];
  if (!route) throw new RangeError(`route ${routeIndex} does not exist`);
  route.route = destinations.map((d, i) => {
    const { weight: _old, ...rest } = structuredClone(d);
    // A lone destination takes all traffic; Istio omits its weight.
    return destinations.length === 1 ? rest : { ...rest, weight: weights[i]! };
  });
  return copy;
}

/** Sum of weights; 100 is the only valid total for a split. */
export function total(weights: number[]): number {
  return weights.reduce((a, b) => a + b, 0);
}
