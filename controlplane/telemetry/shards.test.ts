import { describe, expect, it } from "vitest";
import { DEFAULT_TELEMETRY_SHARDS, shardCount, shardOfIsolate } from "./shards.ts";

describe("telemetry shards", () => {
  it("spreads isolates evenly: 8,000 random isolate ids over 8 shards, each within 13 % of 1,000 (4.4 standard deviations)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 8000; i++) {
      const shard = shardOfIsolate(crypto.randomUUID(), 8);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(Array.from({ length: 8 }, (_, i) => `shard-${i}`));
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(130);
  });

  it("sends one isolate's flushes to one shard, whatever its series", () => {
    const id = crypto.randomUUID();
    expect(new Set(Array.from({ length: 5 }, () => shardOfIsolate(id, 8))).size).toBe(1);
  });

  it("reads the shard count from ISTHMUS_TELEMETRY_SHARDS, 1..64, else the default", () => {
    expect(shardCount({})).toBe(DEFAULT_TELEMETRY_SHARDS);
    expect(shardCount({ ISTHMUS_TELEMETRY_SHARDS: "16" })).toBe(16);
    for (const bad of ["0", "65", "2.5", "many"]) expect(shardCount({ ISTHMUS_TELEMETRY_SHARDS: bad })).toBe(DEFAULT_TELEMETRY_SHARDS);
  });
});
