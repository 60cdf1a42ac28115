// Which of an isolate's batches a telemetry shard has applied, so that a batch sent again
// (its first shipment given up, maybe landing after all) is applied at most once. Batch ids
// are the isolate's id and a sequence number from 1 (contracts/telemetry/batch.ts); one
// isolate's batches all reach one shard, which keeps this per isolate.
//
// Bound: per isolate, the highest number below which every batch was applied (`floor`) and
// at most APPLIED_WINDOW numbers applied above it (gaps: batches still on their way, or
// never coming). Past the window the oldest gap is closed: a batch that late is taken as
// applied and ignored. An isolate keeps at most KEPT_FLUSHES (4) batches to send again, so
// 64 leaves ample room. The shard forgets an isolate with its other facts (ISOLATE_TTL_MS).

/** Most batch numbers held above `floor`, per isolate. */
export const APPLIED_WINDOW = 64;

/** One isolate's applied batches: every number up to `floor`, and those in `above` (ascending). */
export type AppliedBatches = { floor: number; above: number[] };

/**
 * "newest": not seen before and numbered above every batch seen (its facts about the
 * isolate are the latest); "late": not seen before, numbered below one that was;
 * "duplicate": applied already.
 */
export type Admission = "newest" | "late" | "duplicate";

/** Whether batch `seq` is new, and what to remember once it is applied. */
export function admitBatch(held: AppliedBatches | undefined, seq: number): { admission: Admission; applied: AppliedBatches } {
  const { floor, above } = held ?? { floor: 0, above: [] };
  if (seq <= floor || above.includes(seq)) return { admission: "duplicate", applied: { floor, above } };
  const admission = seq > Math.max(floor, ...above) ? "newest" : "late";
  const next = [...above, seq].sort((a, b) => a - b);
  let top = floor;
  // Closes the oldest gaps past the window, then moves up over numbers that follow on.
  while (next.length > APPLIED_WINDOW) top = next.shift()!;
  while (next.length > 0 && next[0] === top + 1) top = next.shift()!;
  return { admission, applied: { floor: top, above: next } };
}
