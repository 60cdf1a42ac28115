// Golden metrics (like `linkerd viz stat`): requests per second, success rate and latency
// percentiles per destination version, and per edge (source workload -> destination).
import { emptyHistogram, histogramQuantile, mergeHistogram, type Histogram } from "../../contracts/telemetry/histogram.ts";
import { isError, reporterOf } from "./outcome.ts";
import type { WindowSeries } from "./telemetry-object.ts";

export type GoldenFigures = {
  requests: number;
  rps: number;
  /** Share of responses that are not 5xx (see outcome.ts); null without requests. */
  successRate: number | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  /** Which reporter's counts the figures come from. */
  reporter: string;
};

export type VersionStats = GoldenFigures & { service: string; namespace: string; version: string };
export type EdgeStats = GoldenFigures & {
  source: { workload: string; namespace: string };
  destination: { service: string; namespace: string; version: string };
};

export class InvalidWindowError extends Error {
  readonly code = "invalid_window";
}

/** Parses a window like `30s`, `1m`, `1h` into milliseconds (10 s .. 1 h). */
export function parseWindow(text: string | undefined, fallback = "1m"): number {
  const match = /^(\d+)(s|m|h)$/.exec(text ?? fallback);
  if (!match) throw new InvalidWindowError(`window ${JSON.stringify(text)} is not a duration like 30s, 1m or 1h`);
  const ms = Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "s" | "m" | "h"];
  if (ms < 10_000 || ms > 3_600_000) throw new InvalidWindowError("window must be between 10s and 1h");
  return ms;
}

/** Per destination version of one service, from the reporter a rollout's analysis counts too (outcome.ts). */
export function serviceStats(series: WindowSeries[], service: string, namespace: string, seconds: number): VersionStats[] {
  const mine = series.filter(
    (s) => s.labels.destination_service_name === service && s.labels.destination_service_namespace === namespace,
  );
  const groups = groupBy(mine, (l) => l.destination_version ?? "unknown");
  return [...groups]
    .map(([version, members]) => ({ service, namespace, version, ...figures(oneReporter(members), seconds) }))
    .sort((a, b) => a.version.localeCompare(b.version));
}

/** Who calls whom; the callers' (source) counts preferred, as only the caller knows the edge. */
export function edgeStats(series: WindowSeries[], seconds: number): EdgeStats[] {
  const key = (l: Record<string, string>) =>
    JSON.stringify([
      l.source_workload ?? "unknown",
      l.source_workload_namespace ?? "unknown",
      l.destination_service_name ?? "unknown",
      l.destination_service_namespace ?? "unknown",
      l.destination_version ?? "unknown",
    ]);
  return [...groupBy(series, key)]
    .map(([k, members]) => {
      const [workload, ns, svc, svcNs, version] = JSON.parse(k) as string[];
      return {
        source: { workload, namespace: ns },
        destination: { service: svc, namespace: svcNs, version },
        ...figures(oneReporter(members), seconds),
      };
    })
    .sort((a, b) => JSON.stringify([a.source, a.destination]).localeCompare(JSON.stringify([b.source, b.destination])));
}

function groupBy(series: WindowSeries[], key: (labels: Record<string, string>) => string): Map<string, WindowSeries[]> {
  const groups = new Map<string, WindowSeries[]>();
  for (const s of series) {
    const k = key(s.labels);
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  return groups;
}

// Counting a request once: both sides of a hop report it, so take one reporter's view.
function oneReporter(members: WindowSeries[]): { reporter: string; series: WindowSeries[] } {
  const requests: Record<string, number> = {};
  for (const s of members) requests[s.labels.reporter ?? "unknown"] = (requests[s.labels.reporter ?? "unknown"] ?? 0) + s.requests;
  const reporter = reporterOf(requests) ?? members[0]?.labels.reporter ?? "unknown";
  return { reporter, series: members.filter((s) => (s.labels.reporter ?? "unknown") === reporter) };
}

function figures({ reporter, series }: { reporter: string; series: WindowSeries[] }, seconds: number): GoldenFigures {
  let requests = 0;
  let failures = 0;
  const latency: Histogram = emptyHistogram();
  for (const s of series) {
    requests += s.requests;
    if (isError(s.labels.response_code)) failures += s.requests;
    mergeHistogram(latency, s.duration);
  }
  return {
    requests,
    rps: requests / seconds,
    successRate: requests === 0 ? null : (requests - failures) / requests,
    latencyMs: {
      p50: histogramQuantile(0.5, latency),
      p95: histogramQuantile(0.95, latency),
      p99: histogramQuantile(0.99, latency),
    },
    reporter,
  };
}
