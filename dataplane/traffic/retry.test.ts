import { describe, expect, it } from "vitest";
import { seededRandom } from "./random.ts";
import {
  DEFAULT_RETRY_POLICY,
  grpcStatusOf,
  isRetriable,
  parseRetriableStatusCodes,
  resolveRetryPolicy,
  retryBackoffMs,
  retryBodyPlan,
  type AttemptOutcome,
} from "./retry.ts";

const s = (status: number): AttemptOutcome => ({ status });
const f = (failure: "connect-failure" | "reset" | "timeout" | "refused-stream"): AttemptOutcome => ({ failure });

describe("gRPC retry conditions", () => {
  it("match the grpc-status of an answer, whatever its HTTP status", () => {
    const policy = resolveRetryPolicy({ attempts: 2, retryOn: "unavailable,resource-exhausted" });
    expect(isRetriable(policy, { status: 200, grpcStatus: 14 })).toBe(true);
    expect(isRetriable(policy, { status: 200, grpcStatus: 8 })).toBe(true);
    expect(isRetriable(policy, { status: 200, grpcStatus: 13 })).toBe(false);
    expect(isRetriable(policy, { status: 200, grpcStatus: 0 })).toBe(false);
    expect(isRetriable(policy, s(200))).toBe(false);
    const all = resolveRetryPolicy({ attempts: 1, retryOn: "cancelled,deadline-exceeded,internal" });
    expect([1, 4, 13].map((grpcStatus) => isRetriable(all, { status: 200, grpcStatus }))).toEqual([true, true, true]);
  });

  it("Istio's default retries gRPC unavailable and cancelled", () => {
    expect(isRetriable(DEFAULT_RETRY_POLICY, { status: 200, grpcStatus: 14 })).toBe(true);
    expect(isRetriable(DEFAULT_RETRY_POLICY, { status: 200, grpcStatus: 1 })).toBe(true);
    expect(isRetriable(DEFAULT_RETRY_POLICY, { status: 200, grpcStatus: 4 })).toBe(false);
  });

  it("reads grpc-status from the response headers", () => {
    expect(grpcStatusOf(new Headers({ "grpc-status": "14" }))).toBe(14);
    expect(grpcStatusOf(new Headers({ "grpc-status": "x" }))).toBeUndefined();
    expect(grpcStatusOf(new Headers())).toBeUndefined();
  });
});

describe("resolveRetryPolicy", () => {
  it("uses Istio's default without a retries block: 2 retries on connect failure, refused stream, 503", () => {
    const policy = resolveRetryPolicy(undefined);
    expect(policy).toBe(DEFAULT_RETRY_POLICY);
    expect(policy.attempts).toBe(2);
    expect(isRetriable(policy, s(503))).toBe(true);
    expect(isRetriable(policy, s(500))).toBe(false);
    expect(isRetriable(policy, f("connect-failure"))).toBe(true);
    expect(isRetriable(policy, f("refused-stream"))).toBe(true);
    expect(isRetriable(policy, f("reset"))).toBe(false);
  });

  it("reads attempts, perTryTimeout, backoff and retryOn with numeric codes", () => {
    const policy = resolveRetryPolicy({ attempts: 3, perTryTimeout: "2s", retryOn: "gateway-error, 409,425", backoff: "10ms" });
    expect(policy.attempts).toBe(3);
    expect(policy.perTryTimeoutMs).toBe(2000);
    expect(policy.backoffBaseMs).toBe(10);
    expect([...policy.retryOn].sort()).toEqual(["gateway-error", "retriable-status-codes"]);
    expect([...policy.retriableStatusCodes].sort()).toEqual([409, 425]);
  });

  it("attempts 0 disables retries; retries without retryOn keep Istio's default conditions", () => {
    expect(resolveRetryPolicy({ attempts: 0 }).attempts).toBe(0);
    const policy = resolveRetryPolicy({ attempts: 5 });
    expect(isRetriable(policy, s(503))).toBe(true);
    expect(isRetriable(policy, s(502))).toBe(false);
  });
});

describe("isRetriable", () => {
  const on = (retryOn: string) => resolveRetryPolicy({ attempts: 1, retryOn });

  it.each([
    ["5xx", s(500), true],
    ["5xx", s(599), true],
    ["5xx", s(499), false],
    ["5xx", f("connect-failure"), true],
    ["5xx", f("reset"), true],
    ["5xx", f("timeout"), true],
    ["gateway-error", s(502), true],
    ["gateway-error", s(503), true],
    ["gateway-error", s(504), true],
    ["gateway-error", s(500), false],
    ["gateway-error", f("timeout"), true],
    ["gateway-error", f("connect-failure"), false],
    ["connect-failure", f("connect-failure"), true],
    ["connect-failure", s(503), false],
    ["reset", f("reset"), true],
    ["reset", f("timeout"), true],
    ["reset", f("connect-failure"), false],
    ["refused-stream", f("refused-stream"), true],
    ["retriable-4xx", s(409), true],
    ["retriable-4xx", s(404), false],
    ["retriable-status-codes,418", s(418), true],
    ["retriable-status-codes", s(418), false],
    ["5xx", s(200), false],
    ["unknown-thing", s(500), false],
  ] as const)("retryOn %s, outcome %j -> %s", (retryOn, outcome, expected) => {
    expect(isRetriable(on(retryOn), outcome)).toBe(expected);
  });

  it("honours x-envoy-retriable-status-codes only with retriable-status-codes", () => {
    const codes = parseRetriableStatusCodes("500, 409,abc,4090");
    expect(codes).toEqual([500, 409]);
    expect(isRetriable(on("retriable-status-codes"), s(409), codes)).toBe(true);
    expect(isRetriable(on("gateway-error"), s(409), codes)).toBe(false);
    expect(parseRetriableStatusCodes(null)).toEqual([]);
  });
});

describe("retryBackoffMs", () => {
  it("is jittered exponential from 25 ms, capped at 250 ms", () => {
    const policy = resolveRetryPolicy({ attempts: 10, retryOn: "5xx" });
    const random = seededRandom(5);
    const max = (retry: number) => Math.max(...Array.from({ length: 2000 }, () => retryBackoffMs(policy, retry, random)));
    expect(max(1)).toBeLessThan(25);
    expect(max(1)).toBeGreaterThan(20);
    expect(max(2)).toBeLessThan(75);
    expect(max(2)).toBeGreaterThan(65);
    expect(max(3)).toBeLessThan(175);
    expect(max(8)).toBeLessThan(250);
    expect(max(8)).toBeGreaterThan(240);
    expect(retryBackoffMs(policy, 3, () => 0)).toBe(0);
  });
});

describe("retryBodyPlan", () => {
  it("buffers small bodies, refuses retry for large ones, ignores bodiless requests", () => {
    expect(retryBodyPlan(new Request("http://x/", { method: "GET" }))).toBe("none");
    expect(retryBodyPlan(new Request("http://x/", { method: "POST" }))).toBe("none");
    expect(retryBodyPlan(new Request("http://x/", { method: "POST", body: "x".repeat(100), headers: { "content-length": "100" } }))).toBe("buffer");
    expect(retryBodyPlan(new Request("http://x/", { method: "POST", body: "x", headers: { "content-length": String(65 * 1024) } }))).toBe("too-large");
    expect(retryBodyPlan(new Request("http://x/", { method: "PUT", body: "x".repeat(10) }), 5)).toBe("buffer");
    expect(retryBodyPlan({ method: "POST", headers: new Headers({ "content-length": "10" }), body: new ReadableStream() }, 5)).toBe("too-large");
    expect(retryBodyPlan({ method: "POST", headers: new Headers({ "content-length": "0" }), body: new ReadableStream() })).toBe("none");
  });
});
