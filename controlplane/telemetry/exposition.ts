// Prometheus text exposition format 0.0.4: HELP/TYPE lines, escaped label values,
// histograms as cumulative _bucket{le=...} series with _sum and _count.
import { ISTIO_BUCKETS, type Histogram } from "../../contracts/telemetry/histogram.ts";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Sample = { labels: Record<string, string>; value: number };
export type HistogramSample = { labels: Record<string, string>; histogram: Histogram };

/** Accumulates metric families and renders them as one exposition text. */
export class Exposition {
  private readonly lines: string[] = [];

  counter(name: string, help: string, samples: Sample[]): this {
    return this.family(name, help, "counter", samples);
  }

  gauge(name: string, help: string, samples: Sample[]): this {
    return this.family(name, help, "gauge", samples);
  }

  histogram(name: string, help: string, samples: HistogramSample[], bounds: readonly number[] = ISTIO_BUCKETS): this {
    this.header(name, help, "histogram");
    for (const { labels, histogram } of samples) {
      let cumulative = 0;
      bounds.forEach((bound, i) => {
        cumulative += histogram.counts[i] ?? 0;
        this.lines.push(`${name}_bucket${labelText({ ...labels, le: formatNumber(bound) })} ${cumulative}`);
      });
      cumulative += histogram.counts[bounds.length] ?? 0;
      this.lines.push(`${name}_bucket${labelText({ ...labels, le: "+Inf" })} ${cumulative}`);
      this.lines.push(`${name}_sum${labelText(labels)} ${formatNumber(histogram.sum)}`);
      this.lines.push(`${name}_count${labelText(labels)} ${cumulative}`);
    }
    return this;
  }

  text(): string {
    return this.lines.join("\n") + "\n";
  }

  private family(name: string, help: string, type: string, samples: Sample[]): this {
    this.header(name, help, type);
    for (const s of samples) this.lines.push(`${name}${labelText(s.labels)} ${formatNumber(s.value)}`);
    return this;
  }

  private header(name: string, help: string, type: string): void {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    this.lines.push(`# TYPE ${name} ${type}`);
  }
}

/** `{a="x",b="y"}` with values escaped as the format requires; empty for no labels. */
export function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
