import { describe, expect, it } from "vitest";
import { figureAt } from "./figure-at.ts";

describe("figureAt", () => {
  it("reads a number at a dotted path of a stats answer, null for anything else", () => {
    const stats = { service: "reviews", versions: { v3: { successRate: 0.98, latencyMs: { p99: 120, p50: null } } } };
    expect(figureAt(stats, "versions.v3.successRate")).toBe(0.98);
    expect(figureAt(stats, "versions.v3.latencyMs.p99")).toBe(120);
    expect(figureAt(stats, "versions.v3.latencyMs.p50")).toBeNull();
    expect(figureAt(stats, "versions.v2.successRate")).toBeNull();
    expect(figureAt(stats, "service")).toBeNull();
  });
});
