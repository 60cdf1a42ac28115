import { describe, expect, it } from "vitest";
import { OutlierDetector } from "./outlier-detection.ts";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const fail = (detector: OutlierDetector, address: string, times: number, status = 500, count = 10) => {
  let last;
  for (let i = 0; i < times; i++) last = detector.record(address, { status }, count);
  return last;
};

describe("OutlierDetector", () => {
  it("ejects after consecutive5xxErrors (default 5) and brings the endpoint back after baseEjectionTime", () => {
    const time = clock();
    const detector = new OutlierDetector({ baseEjectionTime: "30s", maxEjectionPercent: 100 }, time.now);
    expect(fail(detector, "a", 4)).toBeUndefined();
    expect(detector.isEjected("a")).toBe(false);
    const ejection = detector.record("a", { status: 503 }, 10);
    expect(ejection).toMatchObject({ address: "a", count: 1, reason: "consecutive_5xx", until: time.now() + 30_000 });
    expect(detector.isEjected("a")).toBe(true);
    expect(detector.ejected()).toEqual(["a"]);
    time.advance(29_999);
    expect(detector.isEjected("a")).toBe(true);
    time.advance(1);
    expect(detector.isEjected("a")).toBe(false);
  });

  it("a success resets the consecutive count", () => {
    const detector = new OutlierDetector({ consecutive5xxErrors: 3, maxEjectionPercent: 100 }, clock().now);
    fail(detector, "a", 2);
    detector.record("a", { status: 200 }, 10);
    expect(fail(detector, "a", 2)).toBeUndefined();
    expect(detector.record("a", { status: 500 }, 10)).toBeDefined();
  });

  it("4xx answers are not errors", () => {
    const detector = new OutlierDetector({ consecutive5xxErrors: 2, maxEjectionPercent: 100 }, clock().now);
    expect(fail(detector, "a", 10, 404)).toBeUndefined();
  });

  it("consecutiveGatewayErrors counts 502/503/504 and failures without an answer, not 500", () => {
    const detector = new OutlierDetector({ consecutive5xxErrors: 0, consecutiveGatewayErrors: 3, maxEjectionPercent: 100 }, clock().now);
    expect(fail(detector, "a", 10, 500)).toBeUndefined();
    detector.record("a", { status: 502 }, 10);
    detector.record("a", { failure: "connect-failure" }, 10);
    expect(detector.record("a", { status: 504 }, 10)).toMatchObject({ reason: "consecutive_gateway_errors" });
    detector.record("b", { failure: "timeout" }, 10);
    detector.record("b", { failure: "reset" }, 10);
    expect(detector.record("b", { status: 503 }, 10)).toBeDefined();
  });

  it("consecutive5xxErrors: 0 disables 5xx ejection", () => {
    const detector = new OutlierDetector({ consecutive5xxErrors: 0, maxEjectionPercent: 100 }, clock().now);
    expect(fail(detector, "a", 50)).toBeUndefined();
  });

  it("ejection time grows with repeated ejections, and shrinks after clean intervals", () => {
    const time = clock();
    const detector = new OutlierDetector({ consecutive5xxErrors: 1, baseEjectionTime: "10s", interval: "10s", maxEjectionPercent: 100 }, time.now);
    expect(detector.record("a", { status: 500 }, 4)!.until - time.now()).toBe(10_000);
    time.advance(10_000);
    expect(detector.record("a", { status: 500 }, 4)!.until - time.now()).toBe(20_000);
    time.advance(20_000);
    expect(detector.record("a", { status: 500 }, 4)!.until - time.now()).toBe(30_000);
    time.advance(30_000);
    // Three clean intervals later the multiplier has decayed from 3 to 0, so the next is 1×.
    time.advance(30_000);
    expect(detector.record("a", { status: 500 }, 4)).toMatchObject({ count: 1 });
  });

  it("caps ejection time at 300 s", () => {
    const time = clock();
    const detector = new OutlierDetector({ consecutive5xxErrors: 1, baseEjectionTime: "200s", maxEjectionPercent: 100 }, time.now);
    detector.record("a", { status: 500 }, 2);
    time.advance(200_000);
    expect(detector.record("a", { status: 500 }, 2)!.until - time.now()).toBe(300_000);
  });

  it("never ejects more than maxEjectionPercent (default 10 %), but always allows one", () => {
    const detector = new OutlierDetector({ consecutive5xxErrors: 1 }, clock().now);
    expect(detector.record("a", { status: 500 }, 3)).toBeDefined();
    expect(detector.record("b", { status: 500 }, 3)).toBeUndefined();
    expect(detector.ejected()).toEqual(["a"]);
    const half = new OutlierDetector({ consecutive5xxErrors: 1, maxEjectionPercent: 50 }, clock().now);
    for (const address of ["a", "b", "c", "d"]) half.record(address, { status: 500 }, 4);
    expect(half.ejected()).toEqual(["a", "b"]);
  });

  it("errors while ejected do not extend the ejection", () => {
    const time = clock();
    const detector = new OutlierDetector({ consecutive5xxErrors: 1, baseEjectionTime: "5s", maxEjectionPercent: 100 }, time.now);
    const first = detector.record("a", { status: 500 }, 2)!;
    time.advance(1000);
    expect(detector.record("a", { status: 500 }, 2)).toBeUndefined();
    time.advance(first.until - time.now());
    expect(detector.isEjected("a")).toBe(false);
  });

  it("splitExternalLocalOriginErrors counts failures without an answer apart, against consecutiveLocalOriginFailures", () => {
    const settings = { consecutive5xxErrors: 2, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 3, maxEjectionPercent: 100 };
    const detector = new OutlierDetector(settings, clock().now);
    expect(detector.record("a", { failure: "connect-failure" }, 2)).toBeUndefined();
    expect(detector.record("a", { failure: "timeout" }, 2)).toBeUndefined(); // not two 5xx
    expect(detector.record("a", { status: 500 }, 2)).toBeUndefined(); // an answer ends the local-origin run
    expect(detector.record("a", { failure: "reset" }, 2)).toBeUndefined();
    expect(detector.record("a", { failure: "reset" }, 2)).toBeUndefined();
    expect(detector.record("a", { failure: "reset" }, 2)?.reason).toBe("consecutive_local_origin_failures");
    // Without the split, the same failures are 5xx errors, and consecutiveLocalOriginFailures means nothing.
    const joined = new OutlierDetector({ consecutive5xxErrors: 2, consecutiveLocalOriginFailures: 1, maxEjectionPercent: 100 }, clock().now);
    expect(joined.record("b", { failure: "connect-failure" }, 2)).toBeUndefined();
    expect(joined.record("b", { failure: "connect-failure" }, 2)?.reason).toBe("consecutive_5xx");
  });
});
