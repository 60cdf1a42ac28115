import { describe, expect, it } from "vitest";
import { AttemptTimeoutError, attemptTimeoutMs, raceTimeout, resolveTimeouts } from "./timeout.ts";

const h = (init: Record<string, string> = {}) => new Headers(init);

describe("resolveTimeouts", () => {
  it("has no timeout unless the route sets one (Istio's default), 0s disables", () => {
    expect(resolveTimeouts({}, h(), true)).toEqual({});
    expect(resolveTimeouts({ timeout: "0s" }, h(), true)).toEqual({});
    expect(resolveTimeouts({ timeout: "1.5s", retries: { attempts: 2, perTryTimeout: "500ms" } }, h(), false)).toEqual({ routeTimeoutMs: 1500, perTryTimeoutMs: 500 });
  });

  it("honours x-envoy-upstream-rq-timeout-ms only from inside the mesh", () => {
    const headers = h({ "x-envoy-upstream-rq-timeout-ms": "250", "x-envoy-upstream-rq-per-try-timeout-ms": "100" });
    expect(resolveTimeouts({ timeout: "10s" }, headers, true)).toEqual({ routeTimeoutMs: 250, perTryTimeoutMs: 100 });
    expect(resolveTimeouts({ timeout: "10s" }, headers, false)).toEqual({ routeTimeoutMs: 10_000 });
    expect(resolveTimeouts({ timeout: "10s" }, h({ "x-envoy-upstream-rq-timeout-ms": "0" }), true)).toEqual({});
    expect(resolveTimeouts({ timeout: "10s" }, h({ "x-envoy-upstream-rq-timeout-ms": "soon" }), true)).toEqual({ routeTimeoutMs: 10_000 });
  });
});

describe("attemptTimeoutMs", () => {
  it("cuts the per-try timeout to what is left of the route timeout", () => {
    expect(attemptTimeoutMs({}, 0, 100)).toBeUndefined();
    expect(attemptTimeoutMs({ perTryTimeoutMs: 300 }, 0, 5000)).toBe(300);
    expect(attemptTimeoutMs({ routeTimeoutMs: 1000 }, 0, 400)).toBe(600);
    expect(attemptTimeoutMs({ routeTimeoutMs: 1000, perTryTimeoutMs: 300 }, 0, 400)).toBe(300);
    expect(attemptTimeoutMs({ routeTimeoutMs: 1000, perTryTimeoutMs: 300 }, 0, 900)).toBe(100);
    expect(attemptTimeoutMs({ routeTimeoutMs: 1000 }, 0, 1200)).toBe(0);
  });
});

describe("raceTimeout", () => {
  it("returns the value when the work wins", async () => {
    expect(await raceTimeout(async () => 42, 1000)).toEqual({ timedOut: false, value: 42 });
    expect(await raceTimeout(async () => "no timer", undefined)).toEqual({ timedOut: false, value: "no timer" });
  });

  it("reports a timeout and aborts the work's signal", async () => {
    let seen: AbortSignal | undefined;
    const started = Date.now();
    const result = await raceTimeout((signal) => {
      seen = signal;
      return new Promise<string>(() => {});
    }, 30);
    expect(result).toEqual({ timedOut: true, afterMs: 30 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(seen!.aborted).toBe(true);
    expect(seen!.reason).toBeInstanceOf(AttemptTimeoutError);
  });

  it("rethrows a failure of the work before the timer", async () => {
    await expect(raceTimeout(async () => Promise.reject(new Error("connect refused")), 1000)).rejects.toThrow("connect refused");
  });

  it("cancels a real fetch-like operation through the signal", async () => {
    const result = await raceTimeout(
      (signal) =>
        new Promise<string>((resolve, reject) => {
          const t = setTimeout(() => resolve("late"), 500);
          signal.addEventListener("abort", () => {
            clearTimeout(t);
            reject(signal.reason);
          });
        }),
      20,
    );
    expect(result.timedOut).toBe(true);
  });
});
