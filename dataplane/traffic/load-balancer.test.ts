import { describe, expect, it } from "vitest";
import { LoadBalancer, subsetEndpoints, type BalancedEndpoint } from "./load-balancer.ts";
import { seededRandom } from "./random.ts";

const endpoints: BalancedEndpoint[] = ["a", "b", "c", "d"].map((name, i) => ({
  address: `worker://reviews-${name}`,
  labels: { app: "reviews", version: i < 2 ? "v1" : "v2" },
}));

function tally(pick: () => BalancedEndpoint | undefined, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const address = pick()!.address;
    counts.set(address, (counts.get(address) ?? 0) + 1);
  }
  return counts;
}

describe("subsetEndpoints", () => {
  it("selects endpoints whose labels include the subset's", () => {
    expect(subsetEndpoints(endpoints, { version: "v2" }).map((e) => e.address)).toEqual(["worker://reviews-c", "worker://reviews-d"]);
    expect(subsetEndpoints(endpoints, { version: "v2", app: "ratings" })).toEqual([]);
    expect(subsetEndpoints(endpoints, undefined)).toHaveLength(4);
    expect(subsetEndpoints([{ address: "x" }], { version: "v1" })).toEqual([]);
  });
});

describe("LoadBalancer simple policies", () => {
  it("ROUND_ROBIN cycles through every endpoint in turn", () => {
    const lb = new LoadBalancer({ simple: "ROUND_ROBIN" }, { random: seededRandom(1) });
    const picks = Array.from({ length: 8 }, () => lb.pick(endpoints)!.address);
    expect(new Set(picks.slice(0, 4)).size).toBe(4);
    expect(picks.slice(4)).toEqual(picks.slice(0, 4));
  });

  it("RANDOM spreads evenly (seeded, ±3 % of 4,000 each)", () => {
    const lb = new LoadBalancer({ simple: "RANDOM" }, { random: seededRandom(2) });
    for (const count of tally(() => lb.pick(endpoints), 16_000).values()) expect(Math.abs(count - 4000)).toBeLessThan(120);
  });

  it("LEAST_REQUEST (the default) avoids the busiest endpoints", () => {
    const lb = new LoadBalancer(undefined, { random: seededRandom(3) });
    const holds = [lb.begin("worker://reviews-a"), lb.begin("worker://reviews-a"), lb.begin("worker://reviews-b")];
    const counts = tally(() => lb.pick(endpoints), 1000);
    // a (2 in flight) can only win a pair against... nobody; b wins only against a.
    expect(counts.get("worker://reviews-a") ?? 0).toBe(0);
    expect(counts.get("worker://reviews-b")!).toBeLessThan(counts.get("worker://reviews-c")!);
    holds.forEach((release) => release());
    holds[0]!(); // releasing twice is harmless
    expect(lb.active("worker://reviews-a")).toBe(0);
    const after = tally(() => lb.pick(endpoints), 4000);
    expect(after.get("worker://reviews-a")!).toBeGreaterThan(700);
  });

  it("LEAST_REQUEST keeps in-flight requests balanced under load", () => {
    const lb = new LoadBalancer({ simple: "LEAST_REQUEST" }, { random: seededRandom(4) });
    for (let i = 0; i < 400; i++) lb.begin(lb.pick(endpoints)!.address);
    const loads = endpoints.map((e) => lb.active(e.address));
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(2);
  });

  it("skips ejected endpoints and answers undefined when none is left", () => {
    const lb = new LoadBalancer({ simple: "ROUND_ROBIN" });
    const ejected = new Set(["worker://reviews-a", "worker://reviews-c"]);
    const picks = new Set(Array.from({ length: 20 }, () => lb.pick(endpoints, { isEjected: (a) => ejected.has(a) })!.address));
    expect([...picks].sort()).toEqual(["worker://reviews-b", "worker://reviews-d"]);
    expect(lb.pick(endpoints, { isEjected: () => true })).toBeUndefined();
    expect(lb.pick([])).toBeUndefined();
  });

  it("minHealthPercent: too few healthy endpoints means ejections are ignored (panic)", () => {
    const lb = new LoadBalancer({ simple: "ROUND_ROBIN" }, { minHealthPercent: 50 });
    const ejected = new Set(["worker://reviews-a", "worker://reviews-b", "worker://reviews-c"]);
    const picks = new Set(Array.from({ length: 8 }, () => lb.pick(endpoints, { isEjected: (a) => ejected.has(a) })!.address));
    expect(picks.size).toBe(4);
  });
});

describe("LoadBalancer endpoint weights", () => {
  const weighted: BalancedEndpoint[] = [
    { address: "worker://a", weight: 3 },
    { address: "worker://b", weight: 1 },
  ];

  it("ROUND_ROBIN and RANDOM give each endpoint its weight's share", () => {
    const roundRobin = new LoadBalancer({ simple: "ROUND_ROBIN" }, { random: seededRandom(1) });
    const turns = tally(() => roundRobin.pick(weighted), 400);
    expect([turns.get("worker://a"), turns.get("worker://b")]).toEqual([300, 100]);
    const random = new LoadBalancer({ simple: "RANDOM" }, { random: seededRandom(2) });
    const draws = tally(() => random.pick(weighted), 4000);
    expect(Math.abs(draws.get("worker://a")! - 3000)).toBeLessThan(120);
  });

  it("LEAST_REQUEST counts in-flight requests per unit of weight", () => {
    const balancer = new LoadBalancer(undefined, { random: seededRandom(3) });
    for (let i = 0; i < 3; i++) balancer.begin("worker://a");
    // a: (3 + 1) / 3 > b: (0 + 1) / 1, so b, whichever two the power of two choices draws.
    expect(balancer.pick(weighted)!.address).toBe("worker://b");
  });
});

describe("LoadBalancer consistentHash", () => {
  const many: BalancedEndpoint[] = Array.from({ length: 10 }, (_, i) => ({ address: `https://origin-${i}.example.com` }));
  const users = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);

  for (const [label, settings] of [
    ["ring", { consistentHash: { httpHeaderName: "end-user", ringHash: { minimumRingSize: 4096 } } }],
    ["maglev", { consistentHash: { httpHeaderName: "end-user", maglev: { tableSize: 65537 } } }],
  ] as const) {
    it(`${label}: the same key always lands on the same endpoint, keys spread within ±25 % of fair`, () => {
      const lb = new LoadBalancer(settings);
      const counts = new Map<string, number>();
      for (const user of users) {
        const first = lb.pick(many, { hashKey: user })!.address;
        expect(lb.pick(many, { hashKey: user })!.address).toBe(first);
        counts.set(first, (counts.get(first) ?? 0) + 1);
      }
      expect(counts.size).toBe(10);
      for (const count of counts.values()) expect(Math.abs(count - 2000)).toBeLessThan(500);
    });

    it(`${label}: ejecting one endpoint moves only its keys`, () => {
      const lb = new LoadBalancer(settings);
      const before = new Map(users.map((u) => [u, lb.pick(many, { hashKey: u })!.address]));
      const gone = many[3]!.address;
      let moved = 0;
      for (const user of users) {
        const after = lb.pick(many, { hashKey: user, isEjected: (a) => a === gone })!.address;
        expect(after).not.toBe(gone);
        if (before.get(user) !== gone && after !== before.get(user)) moved++;
      }
      // Ring hash: none; Maglev: a small disruption by design.
      expect(moved / users.length).toBeLessThan(label === "ring" ? 0.0001 : 0.02);
    });
  }

  it("falls back to a random choice when the request has no hash key", () => {
    const lb = new LoadBalancer({ consistentHash: { httpHeaderName: "end-user" } }, { random: seededRandom(9) });
    const counts = tally(() => lb.pick(many), 5000);
    expect(counts.size).toBe(10);
  });
});
