import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IssuanceTally, type IssuanceCount } from "./issuance-tally";

describe("issuance tally", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("writes the counts of a second together, once, and nothing while idle", () => {
    const writes: IssuanceCount[][] = [];
    const tally = new IssuanceTally((counts) => writes.push(counts), 1000);
    tally.add("spiffe://td/ns/a/sa/x", "jwt-svid", 10);
    tally.add("spiffe://td/ns/a/sa/x", "jwt-svid", 30);
    tally.add("spiffe://td/ns/a/sa/x", "x509-svid", 20);
    tally.add("spiffe://td/ns/b/sa/y", "jwt-svid", 25);
    vi.advanceTimersByTime(999);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(writes).toEqual([
      [
        { spiffeId: "spiffe://td/ns/a/sa/x", kind: "jwt-svid", count: 2, lastAt: 30 },
        { spiffeId: "spiffe://td/ns/a/sa/x", kind: "x509-svid", count: 1, lastAt: 20 },
        { spiffeId: "spiffe://td/ns/b/sa/y", kind: "jwt-svid", count: 1, lastAt: 25 },
      ],
    ]);
    vi.advanceTimersByTime(10_000);
    expect(writes).toHaveLength(1);
  });

  it("writes at once when flushed (before a read), and the timer then writes nothing more", () => {
    const writes: IssuanceCount[][] = [];
    const tally = new IssuanceTally((counts) => writes.push(counts), 1000);
    tally.flush();
    expect(writes).toEqual([]);
    tally.add("spiffe://td/ns/a/sa/x", "jwt-svid", 5);
    tally.flush();
    expect(writes).toEqual([[{ spiffeId: "spiffe://td/ns/a/sa/x", kind: "jwt-svid", count: 1, lastAt: 5 }]]);
    vi.advanceTimersByTime(5000);
    expect(writes).toHaveLength(1);
    tally.add("spiffe://td/ns/a/sa/x", "jwt-svid", 6);
    vi.advanceTimersByTime(1000);
    expect(writes[1]).toEqual([{ spiffeId: "spiffe://td/ns/a/sa/x", kind: "jwt-svid", count: 1, lastAt: 6 }]);
  });
});
