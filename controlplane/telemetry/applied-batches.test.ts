import { describe, expect, it } from "vitest";
import { admitBatch, APPLIED_WINDOW, type AppliedBatches } from "./applied-batches.ts";

/** Admits `seqs` in order from nothing known; the admissions and what is remembered. */
function admitAll(seqs: number[], from?: AppliedBatches) {
  let held = from;
  const admissions = seqs.map((seq) => {
    const { admission, applied } = admitBatch(held, seq);
    held = applied;
    return admission;
  });
  return { admissions, held: held! };
}

describe("admitBatch", () => {
  it("applies each batch number once: a second copy is a duplicate", () => {
    const { admissions, held } = admitAll([1, 2, 2, 1, 3]);
    expect(admissions).toEqual(["newest", "newest", "duplicate", "duplicate", "newest"]);
    expect(held).toEqual({ floor: 3, above: [] });
  });

  it("applies a batch sent again after later ones, as late, and only then", () => {
    const { admissions, held } = admitAll([2, 3, 1, 1, 4]);
    expect(admissions).toEqual(["newest", "newest", "late", "duplicate", "newest"]);
    expect(held).toEqual({ floor: 4, above: [] });
  });

  it("starts from any number: a shard may first hear of an isolate mid-life", () => {
    const { admissions, held } = admitAll([57, 58, 56]);
    expect(admissions).toEqual(["newest", "newest", "late"]);
    expect(held).toEqual({ floor: 0, above: [56, 57, 58] });
  });

  it("remembers at most APPLIED_WINDOW numbers above the floor, closing the oldest gap", () => {
    // Batch 1 never comes; 2.. land. The window fills, then the floor passes 1.
    const seqs = Array.from({ length: APPLIED_WINDOW }, (_, i) => i + 2);
    const full = admitAll(seqs).held;
    expect(full).toEqual({ floor: 0, above: seqs });
    const { admissions, held } = admitAll([APPLIED_WINDOW + 2, 1], full);
    expect(held.above.length).toBeLessThanOrEqual(APPLIED_WINDOW);
    expect(held).toEqual({ floor: APPLIED_WINDOW + 2, above: [] });
    // Batch 1 arriving past the window is taken as applied: at most once, never twice.
    expect(admissions).toEqual(["newest", "duplicate"]);
  });

  it("keeps gaps within the window apart", () => {
    const { held } = admitAll([1, 3, 5, 6]);
    expect(held).toEqual({ floor: 1, above: [3, 5, 6] });
    expect(admitBatch(held, 4).admission).toBe("late");
    expect(admitBatch(held, 5).admission).toBe("duplicate");
    expect(admitBatch(held, 2).applied).toEqual({ floor: 3, above: [5, 6] });
  });
});
