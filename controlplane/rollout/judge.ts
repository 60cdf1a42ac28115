// One analysis of a canary against stable over the same window: pass, fail, or
// insufficient_data when either side saw too few requests to say (hold, never a failure).
import { histogramQuantile, type Histogram } from "../../contracts/telemetry/histogram.ts";
import { parseDuration } from "../../resources/duration.ts";
import type { RolloutAnalysis, RolloutSpec } from "../../resources/rollout.ts";
import { fisherExactGreater, largeEnoughForZ } from "./fisher.ts";
import { normalQuantile, twoProportionZ } from "./normal.ts";

/** Requests of one side (canary or stable) in the window; latency as percentiles or a histogram. */
export interface SideCounts {
  requests: number;
  /** Requests answered 5xx (or not answered). */
  errors: number;
  p50Ms?: number | null;
  p99Ms?: number | null;
  histogram?: Histogram;
}

/** What the controller read for one window. */
export interface AnalysisWindow {
  canary: SideCounts;
  stable: SideCounts;
  /** Custom checks' figures by name; null when the query had no answer. */
  custom?: Record<string, number | null>;
  /** Canary requests that found no healthy endpoint (outlier ejection) or whose Worker threw. */
  triggers?: { ejections: number; exceptions: number };
}

export type CheckResult = "pass" | "fail" | "insufficient_data";

export interface Check {
  name: string;
  result: CheckResult;
  value: number | null;
  threshold: number;
}

/** One side's figures as a verdict states them (success rate in percent). */
export interface SideFigures {
  requests: number;
  errors: number;
  successRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface Verdict {
  result: CheckResult;
  reason: string;
  window?: { from: string; to: string };
  canary: SideFigures;
  stable: SideFigures;
  checks: Check[];
  /** Set when the verdict must roll back at once, whatever the failure limit (ejection, exceptions). */
  rollback?: boolean;
}

const DEFAULT_CONFIDENCE = 0.95;

/**
 * Judges a window: an absolute success-rate floor, a one-sided test of "canary errors more
 * often than stable" at `successRate.confidence` (default 0.95), p50/p99 ceilings, the
 * canary/stable p99 ratio, and custom checks. The error test is the two-proportion z-test
 * (check `twoProportion`: z against the critical z) when every expected count is at least 5,
 * else Fisher's exact test (check `fisherExact`: the p-value against 1 - confidence). Below
 * `minRequests` on either side every check is insufficient_data. Outlier ejection and exceptions (when
 * `rollbackOn` allows) fail at once with `rollback: true`, however few the requests.
 */
export function judge(window: AnalysisWindow, analysis: Pick<RolloutAnalysis, "minRequests" | "successRate" | "latency" | "custom">, rollbackOn: RolloutSpec["rollbackOn"] = { outlierEjection: true, exceptions: true }): Verdict {
  const canary = figuresOf(window.canary);
  const stable = figuresOf(window.stable);
  const verdict = (result: CheckResult, reason: string, checks: Check[], rollback = false): Verdict => ({ result, reason, canary, stable, checks, ...(rollback ? { rollback } : {}) });

  const triggered: Check[] = [];
  if (rollbackOn.outlierEjection && (window.triggers?.ejections ?? 0) > 0) triggered.push({ name: "outlierEjection", result: "fail", value: window.triggers!.ejections, threshold: 0 });
  if (rollbackOn.exceptions && (window.triggers?.exceptions ?? 0) > 0) triggered.push({ name: "exceptions", result: "fail", value: window.triggers!.exceptions, threshold: 0 });
  if (triggered.length > 0) {
    return verdict("fail", triggered.map((c) => `${c.value} canary request(s) ${c.name === "exceptions" ? "failed in the canary's Worker" : "found the canary ejected"}`).join("; "), triggered, true);
  }

  const min = analysis.minRequests;
  const checks: Check[] = [];
  const floor = analysis.successRate?.min;
  const confidence = analysis.successRate?.confidence ?? DEFAULT_CONFIDENCE;
  const critical = normalQuantile(confidence);
  const latency = analysis.latency;
  const enough = window.canary.requests >= min && window.stable.requests >= min;
  const exact = !largeEnoughForZ(window.canary, window.stable);
  const errorTest = exact ? "fisherExact" : "twoProportion";
  const alpha = round(1 - confidence);

  if (!enough) {
    const names = [...(floor !== undefined ? ["successRate"] : []), errorTest, ...(latency?.p99Max ? ["p99"] : []), ...(latency?.p50Max ? ["p50"] : []), ...(latency?.maxRatioToStable ? ["latencyRatio"] : []), ...(analysis.custom ?? []).map((c) => c.name)];
    return verdict(
      "insufficient_data",
      `too few requests to judge: canary ${window.canary.requests}, stable ${window.stable.requests}, need ${min} each`,
      names.map((name) => ({ name, result: "insufficient_data", value: null, threshold: name === "twoProportion" ? round(critical) : name === "fisherExact" ? alpha : 0 })),
    );
  }

  if (floor !== undefined) checks.push(bound("successRate", canary.successRate, floor, "min"));
  if (exact) {
    const p = fisherExactGreater(window.canary, window.stable);
    checks.push({ name: "fisherExact", result: p <= alpha ? "fail" : "pass", value: Number(p.toPrecision(4)), threshold: alpha });
  } else {
    const z = twoProportionZ(window.canary, window.stable);
    checks.push({ name: "twoProportion", result: z > critical ? "fail" : "pass", value: round(z), threshold: round(critical) });
  }
  if (latency?.p99Max) checks.push(bound("p99", canary.p99Ms, parseDuration(latency.p99Max), "max"));
  if (latency?.p50Max) checks.push(bound("p50", canary.p50Ms, parseDuration(latency.p50Max), "max"));
  if (latency?.maxRatioToStable !== undefined) {
    const ratio = canary.p99Ms === null || stable.p99Ms === null || stable.p99Ms === 0 ? null : canary.p99Ms / stable.p99Ms;
    checks.push(bound("latencyRatio", ratio, latency.maxRatioToStable, "max"));
  }
  for (const custom of analysis.custom ?? []) {
    const value = window.custom?.[custom.name] ?? null;
    const low = custom.min !== undefined ? bound(custom.name, value, custom.min, "min") : undefined;
    const high = custom.max !== undefined ? bound(custom.name, value, custom.max, "max") : undefined;
    checks.push([low, high].find((c) => c?.result === "fail") ?? [low, high].find((c) => c?.result === "insufficient_data") ?? (low ?? high)!);
  }

  const failed = checks.filter((c) => c.result === "fail");
  if (failed.length > 0) return verdict("fail", failed.map((c) => describeFailure(c, canary, stable, confidence)).join("; "), checks);
  const unknown = checks.filter((c) => c.result === "insufficient_data");
  if (unknown.length > 0) return verdict("insufficient_data", `no figure for ${unknown.map((c) => c.name).join(", ")}`, checks);
  return verdict("pass", `canary ${pct(canary.successRate)} ok over ${canary.requests} requests, stable ${pct(stable.successRate)} over ${stable.requests}`, checks);
}

function figuresOf(side: SideCounts): SideFigures {
  const fromHistogram = (q: number) => (side.histogram ? histogramQuantile(q, side.histogram) : null);
  return {
    requests: side.requests,
    errors: side.errors,
    successRate: side.requests === 0 ? null : round((100 * (side.requests - side.errors)) / side.requests),
    p50Ms: side.p50Ms ?? fromHistogram(0.5),
    p99Ms: side.p99Ms ?? fromHistogram(0.99),
  };
}

function bound(name: string, value: number | null, threshold: number, kind: "min" | "max"): Check {
  if (value === null) return { name, result: "insufficient_data", value: null, threshold };
  const ok = kind === "min" ? value >= threshold : value <= threshold;
  return { name, result: ok ? "pass" : "fail", value: round(value), threshold };
}

function describeFailure(check: Check, canary: SideFigures, stable: SideFigures, confidence: number): string {
  switch (check.name) {
    case "successRate":
      return `canary success ${pct(canary.successRate)} below the floor ${check.threshold}%`;
    case "twoProportion":
      return `canary errors ${canary.errors}/${canary.requests} vs stable ${stable.errors}/${stable.requests}: worse at ${confidence * 100}% confidence (z=${check.value} > ${check.threshold})`;
    case "fisherExact":
      return `canary errors ${canary.errors}/${canary.requests} vs stable ${stable.errors}/${stable.requests}: worse at ${confidence * 100}% confidence (Fisher's exact p=${check.value} <= ${check.threshold})`;
    case "p99":
    case "p50":
      return `canary ${check.name} ${check.value} ms above ${check.threshold} ms`;
    case "latencyRatio":
      return `canary p99 ${check.value}x stable's, above ${check.threshold}x`;
    default:
      return `${check.name} ${check.value} outside its bound ${check.threshold}`;
  }
}

function pct(rate: number | null): string {
  return rate === null ? "n/a" : `${rate}%`;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
