import type { TrafficPolicy } from "../../resources/destination-rule.ts";
import { hash32 } from "./hash.ts";
import { defaultRandom, type RandomSource } from "./random.ts";

/** DestinationRule `trafficPolicy.loadBalancer`. */
export type LoadBalancerSettings = NonNullable<TrafficPolicy["loadBalancer"]>;

/** What the load balancer needs of an endpoint. */
export interface BalancedEndpoint {
  /** Unique within the destination, e.g. `worker://reviews-v2` or an origin URL. */
  address: string;
  labels?: Record<string, string>;
  /** ServiceEntry endpoint `weight`: its share among the subset's endpoints (default 1). */
  weight?: number;
}

const weightOf = (endpoint: BalancedEndpoint) => endpoint.weight ?? 1;

/** The endpoints a DestinationRule subset selects: `subset.labels ⊆ endpoint.labels`. */
export function subsetEndpoints<E extends BalancedEndpoint>(endpoints: readonly E[], subsetLabels?: Record<string, string>): E[] {
  const wanted = Object.entries(subsetLabels ?? {});
  return endpoints.filter((endpoint) => wanted.every(([key, value]) => endpoint.labels?.[key] === value));
}

export interface PickContext {
  /** The consistent-hash key of the request (see `hashKeyOf`); ignored by simple policies. */
  hashKey?: string;
  /** Endpoints outlier detection has ejected are skipped. */
  isEjected?: (address: string) => boolean;
}

export interface LoadBalancerOptions {
  random?: RandomSource;
  /**
   * Outlier detection's `minHealthPercent`: when fewer endpoints than this are left
   * un-ejected, ejections are ignored (Envoy's panic mode). Default 0.
   */
  minHealthPercent?: number;
}

const DEFAULT_RING_SIZE = 1024;
const MAX_RING_SIZE = 8_388_608;
const DEFAULT_MAGLEV_TABLE = 65_537;

/**
 * Chooses an endpoint for one destination subset by a DestinationRule `loadBalancer`:
 * ROUND_ROBIN, RANDOM, LEAST_REQUEST (power of two choices over in-flight requests; also
 * LEAST_CONN), or consistentHash on a ring (`ringHash.minimumRingSize`, default 1024) or a
 * Maglev table (`maglev.tableSize`, default 65537). Keep one instance per subset in module
 * state: it holds the round-robin position, in-flight counts and the hash ring.
 * Istio's default (no settings) is LEAST_REQUEST.
 */
export class LoadBalancer<E extends BalancedEndpoint> {
  private readonly random: RandomSource;
  private readonly minHealthPercent: number;
  private readonly inFlight = new Map<string, number>();
  private position: number;
  private ring?: { signature: string; hashes: Uint32Array; owners: string[] };
  private maglev?: { signature: string; table: string[] };

  constructor(
    private readonly settings: LoadBalancerSettings | undefined,
    options: LoadBalancerOptions = {},
  ) {
    this.random = options.random ?? defaultRandom;
    this.minHealthPercent = options.minHealthPercent ?? 0;
    this.position = Math.floor(this.random() * 1_000_000);
  }

  /** An endpoint for the request, or undefined when none is available (503 UH). */
  pick(endpoints: readonly E[], context: PickContext = {}): E | undefined {
    if (endpoints.length === 0) return undefined;
    const available = this.available(endpoints, context.isEjected);
    if (available.length === 0) return undefined;
    const hash = this.settings?.consistentHash;
    if (hash && context.hashKey !== undefined) {
      const address = hash.maglev ? this.pickMaglev(available, context.hashKey) : this.pickRing(endpoints, available, context.hashKey, hash.ringHash?.minimumRingSize ?? hash.minimumRingSize);
      return available.find((endpoint) => endpoint.address === address);
    }
    switch (hash ? "RANDOM" : (this.settings?.simple ?? "LEAST_REQUEST")) {
      case "ROUND_ROBIN":
        return byWeight(available, this.position++);
      case "RANDOM":
        return byWeight(available, Math.floor(this.random() * totalWeight(available)));
      default:
        return this.pickLeastRequest(available);
    }
  }

  /**
   * Counts a request in flight to `address` until the returned release is called (for
   * LEAST_REQUEST). Call it when the upstream call starts; release when it settles.
   */
  begin(address: string): () => void {
    this.inFlight.set(address, (this.inFlight.get(address) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(address) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(address);
      else this.inFlight.set(address, left);
    };
  }

  /** Requests currently in flight to `address`. */
  active(address: string): number {
    return this.inFlight.get(address) ?? 0;
  }

  private available(endpoints: readonly E[], isEjected?: (address: string) => boolean): readonly E[] {
    if (!isEjected) return endpoints;
    const healthy = endpoints.filter((endpoint) => !isEjected(endpoint.address));
    if (healthy.length > 0 && (100 * healthy.length) / endpoints.length >= this.minHealthPercent) return healthy;
    return this.minHealthPercent > 0 ? endpoints : healthy;
  }

  private pickLeastRequest(available: readonly E[]): E {
    if (available.length === 1) return available[0]!;
    const first = Math.floor(this.random() * available.length);
    let second = Math.floor(this.random() * (available.length - 1));
    if (second >= first) second++;
    const a = available[first]!;
    const b = available[second]!;
    // Envoy's weighted least request: in-flight requests per unit of weight.
    return (this.active(b.address) + 1) / weightOf(b) < (this.active(a.address) + 1) / weightOf(a) ? b : a;
  }

  /**
   * Ring hash over all of the subset's endpoints; an ejected endpoint's arc passes to the
   * next endpoint on the ring, so only its keys move.
   */
  private pickRing(all: readonly E[], available: readonly E[], key: string, minimumRingSize = DEFAULT_RING_SIZE): string {
    const addresses = [...new Set(all.map((e) => e.address))].sort();
    const signature = `${minimumRingSize}|${addresses.join("\n")}`;
    if (this.ring?.signature !== signature) this.ring = buildRing(addresses, minimumRingSize, signature);
    const { hashes, owners } = this.ring;
    const allowed = new Set(available.map((e) => e.address));
    const point = hash32(key);
    let low = 0;
    let high = hashes.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (hashes[mid]! < point) low = mid + 1;
      else high = mid;
    }
    for (let step = 0; step < owners.length; step++) {
      const owner = owners[(low + step) % owners.length]!;
      if (allowed.has(owner)) return owner;
    }
    return available[0]!.address;
  }

  /** Maglev: a lookup table rebuilt for the available endpoints (as Envoy rebuilds on host changes). */
  private pickMaglev(available: readonly E[], key: string): string {
    const size = nextPrime(this.settings?.consistentHash?.maglev?.tableSize ?? DEFAULT_MAGLEV_TABLE);
    const addresses = [...new Set(available.map((e) => e.address))].sort();
    const signature = `${size}|${addresses.join("\n")}`;
    if (this.maglev?.signature !== signature) this.maglev = { signature, table: buildMaglevTable(addresses, size) };
    return this.maglev.table[hash32(key) % size]!;
  }
}

function totalWeight(endpoints: readonly BalancedEndpoint[]): number {
  return endpoints.reduce((sum, e) => sum + weightOf(e), 0);
}

/** The endpoint at position `n` (mod the total weight) when each takes `weight` positions. */
function byWeight<E extends BalancedEndpoint>(endpoints: readonly E[], n: number): E {
  let left = n % totalWeight(endpoints);
  for (const endpoint of endpoints) {
    left -= weightOf(endpoint);
    if (left < 0) return endpoint;
  }
  return endpoints[endpoints.length - 1]!;
}

function buildRing(addresses: string[], minimumRingSize: number, signature: string) {
  const size = Math.min(Math.max(minimumRingSize, addresses.length), MAX_RING_SIZE);
  const perHost = Math.ceil(size / addresses.length);
  const points: { hash: number; owner: string }[] = [];
  for (const address of addresses) {
    for (let i = 0; i < perHost; i++) points.push({ hash: hash32(`${address}_${i}`), owner: address });
  }
  points.sort((a, b) => a.hash - b.hash || (a.owner < b.owner ? -1 : 1));
  return { signature, hashes: Uint32Array.from(points, (p) => p.hash), owners: points.map((p) => p.owner) };
}

/** Maglev population (Eisenbud et al. 2016): each backend fills its preference list in turn. */
function buildMaglevTable(addresses: string[], size: number): string[] {
  const table: (string | undefined)[] = new Array(size).fill(undefined);
  const offsets = addresses.map((a) => hash32(a, 0x5bd1e995) % size);
  const skips = addresses.map((a) => (hash32(a, 0x1b873593) % (size - 1)) + 1);
  const next = addresses.map(() => 0);
  let filled = 0;
  while (filled < size) {
    for (let i = 0; i < addresses.length && filled < size; i++) {
      let slot = (offsets[i]! + next[i]! * skips[i]!) % size;
      while (table[slot] !== undefined) {
        next[i]!++;
        slot = (offsets[i]! + next[i]! * skips[i]!) % size;
      }
      table[slot] = addresses[i];
      next[i]!++;
      filled++;
    }
  }
  return table as string[];
}

function nextPrime(n: number): number {
  const isPrime = (x: number) => {
    if (x < 2) return false;
    for (let d = 2; d * d <= x; d++) if (x % d === 0) return false;
    return true;
  };
  let candidate = Math.max(2, Math.floor(n));
  while (!isPrime(candidate)) candidate++;
  return candidate;
}
