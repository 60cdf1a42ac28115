import { describe, expect, it } from "vitest";
import type { VirtualService } from "../types.ts";
import { rebalance, total, weightsOf, withSplit } from "./weights.ts";

const vs: VirtualService = {
  apiVersion: "networking.istio.io/v1",
  kind: "VirtualService",
  metadata: { name: "reviews", namespace: "default", resourceVersion: "7" },
  spec: {
    hosts: ["reviews"],
    http: [{ route: [{ destination: { host: "reviews", subset: "v1" }, headers: { request: { set: { x: "1" } } } }] }],
  },
};

describe("weights", () => {
  it("reads a lone destination without weight as 100", () => {
    expect(weightsOf([{ destination: { host: "a" } }])).toEqual([100]);
    expect(weightsOf([{ destination: { host: "a" }, weight: 30 }, { destination: { host: "b" } }])).toEqual([30, 0]);
  });

  it("gives what is left to the other destination of a pair", () => {
    expect(rebalance([100, 0], 0, 20)).toEqual([20, 80]);
    expect(rebalance([20, 80], 1, 95)).toEqual([5, 95]);
  });

  it("shares the rest in proportion, keeping integers that add to 100", () => {
    const out = rebalance([50, 30, 20], 0, 10);
    expect(out[0]).toBe(10);
    expect(total(out)).toBe(100);
    expect(out[1]).toBeGreaterThan(out[2]!);
    expect(rebalance([100, 0, 0], 0, 0)).toEqual([0, 50, 50]);
    expect(total(rebalance([0, 0, 0], 2, 1))).toBe(100);
  });

  it("clamps and rounds the value typed", () => {
    expect(rebalance([50, 50], 0, 140)).toEqual([100, 0]);
    expect(rebalance([50, 50], 0, -3)).toEqual([0, 100]);
    expect(rebalance([50, 50], 0, 33.6)).toEqual([34, 66]);
  });

  it("writes the split into a copy, keeping other fields and the resourceVersion", () => {
    const destinations = [...vs.spec.http![0]!.route!, { destination: { host: "reviews", subset: "v2" } }];
    const after = withSplit(vs, 0, destinations, [90, 10]);
    expect(after.metadata.resourceVersion).toBe("7");
    expect(after.spec.http![0]!.route).toEqual([
      { destination: { host: "reviews", subset: "v1" }, headers: { request: { set: { x: "1" } } }, weight: 90 },
      { destination: { host: "reviews", subset: "v2" }, weight: 10 },
    ]);
    expect(vs.spec.http![0]!.route).toHaveLength(1);
  });

  it("omits the weight of a lone destination, as Istio does", () => {
    const after = withSplit(vs, 0, [{ destination: { host: "reviews", subset: "v3" }, weight: 40 }], [100]);
    expect(after.spec.http![0]!.route).toEqual([{ destination: { host: "reviews", subset: "v3" } }]);
    expect(() => withSplit(vs, 3, [], [])).toThrow(RangeError);
  });
});
