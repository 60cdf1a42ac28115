// Golden metrics over time, kept by the page: /v1/stats answers one window, so each poll
// appends a point per version and the charts draw the last `capacity` points.
import type { VersionStats } from "../types.ts";

export type Metric = "rps" | "successRate" | "p50" | "p95" | "p99";

export interface Point {
  at: number;
  value: number | null;
}

export class StatsHistory {
  private readonly samples: { at: number; versions: VersionStats[] }[] = [];

  constructor(private readonly capacity = 120) {}

  add(at: number, versions: VersionStats[]): void {
    this.samples.push({ at, versions });
    if (this.samples.length > this.capacity) this.samples.splice(0, this.samples.length - this.capacity);
  }

  /** Every version seen in the kept samples, sorted. */
  versions(): string[] {
    return [...new Set(this.samples.flatMap((s) => s.versions.map((v) => v.version)))].sort();
  }

  /** The points of one metric of one version; null where the version had no figure. */
  series(metric: Metric, version: string): Point[] {
    return this.samples.map(({ at, versions }) => {
      const stats = versions.find((v) => v.version === version);
      return { at, value: stats ? valueOf(stats, metric) : null };
    });
  }
}

function valueOf(stats: VersionStats, metric: Metric): number | null {
  switch (metric) {
    case "rps":
      return stats.rps;
    case "successRate":
      return stats.successRate;
    default:
      return stats.latencyMs[metric];
  }
}
