import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.ts";
import { InvalidDurationError } from "./errors.ts";

describe("parseDuration", () => {
  it("reads Go/Istio durations into milliseconds", () => {
    expect(parseDuration("10s")).toBe(10_000);
    expect(parseDuration("0.5s")).toBe(500);
    expect(parseDuration("100ms")).toBe(100);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(parseDuration("1h1m1s1ms")).toBe(3_661_001);
    expect(parseDuration("250us")).toBeCloseTo(0.25);
    expect(parseDuration("5µs")).toBeCloseTo(0.005);
    expect(parseDuration("1000000ns")).toBeCloseTo(1);
    expect(parseDuration(".5s")).toBe(500);
    expect(parseDuration("0")).toBe(0);
    expect(parseDuration("0s")).toBe(0);
  });

  it("refuses anything else with InvalidDurationError", () => {
    for (const bad of ["", "10", "s", "-1s", "1.s", "1d", "10 s", "1s ", "1S", "1m-1s"]) {
      expect(() => parseDuration(bad), bad).toThrow(InvalidDurationError);
    }
    try {
      parseDuration("soon");
    } catch (error) {
      expect((error as InvalidDurationError).code).toBe("invalid_duration");
      expect((error as Error).message).toMatch(/^invalid duration "soon"/);
    }
  });
});
