// Reading a few counters out of the Prometheus text exposition of /metrics.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples of the metrics named in `names` (other lines are skipped). */
export function samplesOf(text: string, names: string[]): Sample[] {
  const wanted = new Set(names);
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || !wanted.has(match[1]!)) continue;
    samples.push({ name: match[1]!, labels: labelsOf(match[2] ?? ""), value: Number(match[3]) });
  }
  return samples;
}

function labelsOf(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const [, key, raw] of text.matchAll(pattern)) {
    labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

/** Sums samples by the value of one label. */
export function sumBy(samples: Sample[], label: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const s of samples) {
    const key = s.labels[label] ?? "unknown";
    sums.set(key, (sums.get(key) ?? 0) + s.value);
  }
  return sums;
}
