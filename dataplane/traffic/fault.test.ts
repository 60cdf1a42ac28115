import { describe, expect, it } from "vitest";
import { decideFault } from "./fault.ts";
import { seededRandom } from "./random.ts";

describe("decideFault", () => {
  it("Bookinfo's ratings delay and abort at 100 %", () => {
    expect(decideFault({ delay: { fixedDelay: "7s", percentage: { value: 100 } } })).toEqual({ delayMs: 7000 });
    expect(decideFault({ abort: { httpStatus: 500, percentage: { value: 100.0 } } })).toEqual({ abortStatus: 500 });
    expect(decideFault({ delay: { fixedDelay: "1s", percentage: { value: 100 } }, abort: { httpStatus: 503, percentage: { value: 100 } } })).toEqual({
      delayMs: 1000,
      abortStatus: 503,
    });
  });

  it("no fault, or a fault without percentage, does nothing", () => {
    expect(decideFault(undefined)).toEqual({});
    expect(decideFault({ abort: { httpStatus: 500 } })).toEqual({});
    expect(decideFault({ delay: { fixedDelay: "1s" } })).toEqual({});
    expect(decideFault({ delay: { fixedDelay: "1s", percentage: { value: 0 } } })).toEqual({});
  });

  it("the legacy integer percent applies to delays", () => {
    expect(decideFault({ delay: { fixedDelay: "5s", percent: 100 } })).toEqual({ delayMs: 5000 });
  });

  it("fractional percentages hold over many requests (seeded; 0.1 % of 200,000 within ±15 %)", () => {
    const random = seededRandom(99);
    let aborted = 0;
    let delayed = 0;
    for (let i = 0; i < 200_000; i++) {
      const d = decideFault({ abort: { httpStatus: 400, percentage: { value: 0.1 } }, delay: { fixedDelay: "10ms", percentage: { value: 25.5 } } }, random);
      if (d.abortStatus === 400) aborted++;
      if (d.delayMs === 10) delayed++;
    }
    expect(Math.abs(aborted - 200)).toBeLessThan(30);
    expect(Math.abs(delayed / 200_000 - 0.255)).toBeLessThan(0.004);
  });

  it("is deterministic under an injected random source", () => {
    const fault = { abort: { httpStatus: 418, percentage: { value: 50 } } };
    expect(decideFault(fault, () => 0.49)).toEqual({ abortStatus: 418 });
    expect(decideFault(fault, () => 0.5)).toEqual({});
  });
});
