// A side's requests read from the mesh's own per-version counters: cumulative totals from
// the telemetry shard, differenced between two reads, so a window can be any length (the
// shard's 10 s buckets would round it) and both sides are read at the same instant.
import { emptyHistogram, histogramCount, mergeHistogram, type Histogram } from "../../contracts/telemetry/histogram.ts";
import type { SeriesAggregate } from "../../contracts/telemetry/batch.ts";
import { isError, reporterOf } from "../telemetry/outcome.ts";
import type { SideCounts } from "./judge.ts";

/** One reporter's cumulative counts for one destination version. */
export interface Tally {
  requests: number;
  errors: number;
  /** Requests that found every endpoint ejected (response flag UH). */
  ejections: number;
  /** Requests the Worker failed without an answer (response flag UF: the binding threw). */
  exceptions: number;
  histogram: Histogram;
}

/** Cumulative tallies by reporter (`source`: the callers' view, `destination`: the version's own). */
export type ReporterTallies = Record<string, Tally>;

function emptyTally(): Tally {
  return { requests: 0, errors: 0, ejections: 0, exceptions: 0, histogram: emptyHistogram() };
}

/** Sums the series of one destination version of a service, per reporter. */
export function tallyVersion(series: readonly Pick<SeriesAggregate, "labels" | "requests" | "duration">[], target: { service: string; namespace: string; version: string }): ReporterTallies {
  const out: ReporterTallies = {};
  for (const s of series) {
    const l = s.labels;
    if (l.destination_service_name !== target.service || l.destination_service_namespace !== target.namespace || l.destination_version !== target.version) continue;
    const tally = (out[l.reporter ?? "unknown"] ??= emptyTally());
    const flags = (l.response_flags ?? "-").split(",");
    tally.requests += s.requests;
    if (isError(l.response_code)) tally.errors += s.requests;
    if (flags.includes("UH")) tally.ejections += s.requests;
    if (flags.includes("UF")) tally.exceptions += s.requests;
    mergeHistogram(tally.histogram, s.duration);
  }
  return out;
}

/** `now - before`, per reporter (a reporter missing before counts from zero). */
export function difference(now: ReporterTallies, before: ReporterTallies | undefined): ReporterTallies {
  const out: ReporterTallies = {};
  for (const [reporter, tally] of Object.entries(now)) {
    const base = before?.[reporter] ?? emptyTally();
    out[reporter] = {
      requests: Math.max(0, tally.requests - base.requests),
      errors: Math.max(0, tally.errors - base.errors),
      ejections: Math.max(0, tally.ejections - base.ejections),
      exceptions: Math.max(0, tally.exceptions - base.exceptions),
      histogram: { counts: tally.histogram.counts.map((c, i) => Math.max(0, c - (base.histogram.counts[i] ?? 0))), sum: Math.max(0, tally.histogram.sum - base.histogram.sum) },
    };
  }
  return out;
}

/** One view of a window: the reporter `/v1/stats` counts too (see outcome.ts). */
export function sideOf(window: ReporterTallies): SideCounts & { ejections: number; exceptions: number } {
  const reporter = reporterOf(Object.fromEntries(Object.entries(window).map(([name, tally]) => [name, tally.requests])));
  const chosen = (reporter ? window[reporter] : undefined) ?? emptyTally();
  return { requests: chosen.requests, errors: chosen.errors, ejections: chosen.ejections, exceptions: chosen.exceptions, histogram: chosen.histogram };
}

/** Whether a histogram holds anything (a side without traffic has no latency). */
export function hasSamples(h: Histogram): boolean {
  return histogramCount(h) > 0;
}
