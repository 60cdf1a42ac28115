import { hashToUnit } from "./hash.ts";
import { defaultRandom, type RandomSource } from "./random.ts";
import { BoundedMap } from "../bounded-map.ts";

/** One route destination as the splitter sees it: a stable id and its weight. */
export interface WeightedChoice {
  /** Stable across weight changes, e.g. `reviews.default.svc.cluster.local|v2|9080`. */
  id: string;
  /** Relative weight; fractional weights count in 0.01 steps (Istio's are whole numbers). */
  weight: number;
}

/**
 * Resolves Istio's `weight` fields: a lone destination without a weight gets everything;
 * when no destination has a weight they share equally; otherwise a missing weight is 0.
 */
export function effectiveWeights(weights: readonly (number | undefined)[]): number[] {
  if (weights.every((w) => w === undefined)) return weights.map(() => 1);
  return weights.map((w) => (w === undefined || w < 0 ? 0 : w));
}

/** Weights in hundredths as integers, reduced by their common divisor. */
function integerWeights(weights: readonly number[]): number[] {
  const scaled = weights.map((w) => Math.max(0, Math.round(w * 100)));
  const divisor = scaled.reduce((g, w) => gcd(g, w), 0) || 1;
  return scaled.map((w) => w / divisor);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Non-sticky split for one route: nginx's smooth weighted round-robin. After any n picks
 * every destination's count is within about one request of `n × weight / total`, and picks
 * of a destination are spread evenly rather than in runs.
 */
export class SmoothWeightedSplitter {
  private readonly weights: number[];
  private readonly current: number[];
  private readonly total: number;

  /**
   * @param weights relative weights (0.01 granularity)
   * @param random when given, starts at a random point of the cycle, so that many short-lived
   *   isolates do not all send their first requests to the same destination
   */
  constructor(weights: readonly number[], random?: RandomSource) {
    this.weights = integerWeights(weights);
    this.total = this.weights.reduce((a, b) => a + b, 0);
    this.current = this.weights.map(() => 0);
    if (random && this.total > 0) {
      const steps = Math.floor(random() * Math.min(this.total, 10_000));
      for (let i = 0; i < steps; i++) this.next();
    }
  }

  /** The index of the next destination, or -1 when every weight is 0. */
  next(): number {
    if (this.total === 0) return -1;
    let best = 0;
    for (let i = 0; i < this.weights.length; i++) {
      this.current[i]! += this.weights[i]!;
      if (this.current[i]! > this.current[best]!) best = i;
    }
    this.current[best]! -= this.total;
    return best;
  }
}

/**
 * Splitters, one per route, rebuilt when the route's weights change (a new snapshot). Keyed
 * by a route identity the caller chooses (e.g. `vs-namespace/name#index`); at most `capacity`
 * routes, the oldest forgotten (its split starts over).
 */
export class SplitterCache {
  private readonly splitters: BoundedMap<string, { weights: readonly number[]; signature: string; splitter: SmoothWeightedSplitter }>;

  constructor(
    private readonly random: RandomSource = defaultRandom,
    capacity = Infinity,
  ) {
    this.splitters = new BoundedMap(capacity);
  }

  /** The index of the next destination for this route, or -1 when every weight is 0. */
  pick(routeKey: string, weights: readonly number[]): number {
    let entry = this.splitters.get(routeKey);
    // The same weights array (the caller's per-route plan) needs no comparison.
    if (entry?.weights === weights) return entry.splitter.next();
    const signature = weights.join(",");
    if (!entry || entry.signature !== signature) {
      entry = { weights, signature, splitter: new SmoothWeightedSplitter(weights, this.random) };
      this.splitters.set(routeKey, entry);
    } else entry.weights = weights;
    return entry.splitter.next();
  }
}

/**
 * Sticky split: the same `hashKey` (a user id from a header, cookie or query parameter)
 * always lands on the same destination while weights stay, and across users the shares
 * follow the weights. Weighted rendezvous hashing: each destination draws
 * `E = -ln(u)/weight` with `u` hashed from (key, destination id), the smallest wins, so a
 * destination wins with probability weight/total. A user moves from A to B only when B's
 * weight grew relative to A's, so in a two-way canary split exactly the share that must
 * move does (90/10 -> 80/20 moves 10 % of users, all to the canary).
 *
 * @returns the chosen index, or -1 when every weight is 0
 */
export function pickSticky(hashKey: string, choices: readonly WeightedChoice[]): number {
  let best = -1;
  let bestScore = Infinity;
  for (let i = 0; i < choices.length; i++) {
    const { id, weight } = choices[i]!;
    if (!(weight > 0)) continue;
    const score = -Math.log(hashToUnit(`${hashKey}\u0000${id}`)) / weight;
    if (score < bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}
