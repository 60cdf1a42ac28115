import { describe, expect, it } from "vitest";
import { RetryBudget, retryBudgetSettings } from "./retry-budget.ts";

function clock() {
  let now = 5_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("RetryBudget", () => {
  it("allows the floor when idle: minRetriesPerSecond × window", () => {
    const time = clock();
    const budget = new RetryBudget({ minRetriesPerSecond: 10, windowMs: 1000 }, time.now);
    let allowed = 0;
    for (let i = 0; i < 100; i++) if (budget.tryRetry()) allowed++;
    expect(allowed).toBe(10);
  });

  it("caps a retry storm at percent of requests plus the floor", () => {
    // An outage: every one of 10,000 requests in 10 s fails and wants 3 retries.
    const time = clock();
    const budget = new RetryBudget({ percent: 20, minRetriesPerSecond: 10, windowMs: 10_000 }, time.now);
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < 10_000; i++) {
      budget.recordRequest();
      requests++;
      for (let attempt = 0; attempt < 3; attempt++) {
        if (!budget.tryRetry()) break;
        retries++;
      }
      time.advance(1);
    }
    // Without a budget: 30,000 retries (4× load). With it: ≤ 20 % + 100.
    expect(retries).toBeLessThanOrEqual(0.2 * requests + 100);
    expect(retries).toBeGreaterThan(0.2 * requests - 100);
    expect((requests + retries) / requests).toBeLessThan(1.22);
  });

  it("recovers as the window slides", () => {
    const time = clock();
    const budget = new RetryBudget({ percent: 0, minRetriesPerSecond: 5, windowMs: 1000 }, time.now);
    for (let i = 0; i < 5; i++) expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    time.advance(500);
    expect(budget.tryRetry()).toBe(false);
    time.advance(600);
    expect(budget.tryRetry()).toBe(true);
    time.advance(60_000);
    for (let i = 0; i < 5; i++) expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
  });

  it("healthy traffic with occasional failures is never starved", () => {
    const time = clock();
    const budget = new RetryBudget({}, time.now);
    let denied = 0;
    for (let i = 0; i < 20_000; i++) {
      budget.recordRequest();
      if (i % 50 === 0 && !budget.tryRetry()) denied++; // 2 % of requests retry
      time.advance(2);
    }
    expect(denied).toBe(0);
  });

  it("reads a DestinationRule retryBudget", () => {
    expect(retryBudgetSettings({ percent: 5, minRetryConcurrency: 3, budgetInterval: "2s" })).toEqual({ percent: 5, minRetriesPerSecond: 3, windowMs: 2000 });
    expect(retryBudgetSettings(undefined)).toEqual({});
  });
});
