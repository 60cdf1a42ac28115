// How far back an analysis looks. A window starts when its stage's or step's traffic was
// written. While too thin to judge it grows by an interval per tick; before each judgement
// its oldest intervals are dropped while the rest still holds `minRequests` on both sides,
// and past MAX_WINDOW_INTERVALS. So a window is the shortest recent run of intervals with
// enough requests, and a breach late in a long thin stretch is not diluted by the good
// traffic before it (nor by a window held open for a reason other than counts).

/** Most analysis intervals one window spans (5 minutes at the default 10 s interval). */
export const MAX_WINDOW_INTERVALS = 30;

/** Requests of each side in one interval of a window. */
export interface IntervalRequests {
  canary: number;
  stable: number;
}

/** How many of a window's oldest intervals (given oldest first) to drop before judging it; never the latest. */
export function intervalsToDrop(intervals: readonly IntervalRequests[], minRequests: number): number {
  let canary = intervals.reduce((n, i) => n + i.canary, 0);
  let stable = intervals.reduce((n, i) => n + i.stable, 0);
  let drop = 0;
  while (drop < intervals.length - 1) {
    const oldest = intervals[drop]!;
    const tooLong = intervals.length - drop > MAX_WINDOW_INTERVALS;
    if (!tooLong && (canary - oldest.canary < minRequests || stable - oldest.stable < minRequests)) break;
    canary -= oldest.canary;
    stable -= oldest.stable;
    drop++;
  }
  return drop;
}
