import { useState } from "preact/hooks";
import { useSigned } from "../context.ts";
import { Chart } from "../service/chart.tsx";
import type { RolloutSeries } from "../types.ts";
import { formatMs, formatPercent } from "../ui/format.ts";
import { usePoll } from "../ui/poll.ts";
import { WindowSelect } from "../ui/window-select.tsx";
import { seriesLines, type SeriesMetric } from "./model.ts";

const CHARTS: { metric: SeriesMetric; title: string; format: (v: number) => string }[] = [
  { metric: "successRate", title: "Success rate", format: (v) => formatPercent(v) },
  { metric: "p50", title: "Latency p50", format: formatMs },
  { metric: "p99", title: "Latency p99", format: formatMs },
];

/** Canary against stable over the same buckets, from the Rollout's `/series`. */
export function RolloutCharts({ path }: { path: string }) {
  const { api } = useSigned();
  const [window, setWindow] = useState("5m");
  const series = usePoll(() => api.get<RolloutSeries>(`${path}/series?window=${window}`), 5_000, [path, window]);
  return (
    <section aria-labelledby="rollout-charts-title">
      <div class="toolbar">
        <h2 id="rollout-charts-title">Canary against stable</h2>
        <WindowSelect id="rollout-window" value={window} onChange={setWindow} />
      </div>
      {series.error && <p class="error">{series.error}</p>}
      {series.data && series.data.buckets.length === 0 && <p>No requests to either version in the last {window}.</p>}
      {series.data && series.data.buckets.length > 0 && (
        <div class="charts" data-testid="rollout-charts">
          {CHARTS.map((chart) => (
            <Chart key={chart.metric} title={chart.title} format={chart.format} lines={seriesLines(series.data!, chart.metric)} />
          ))}
        </div>
      )}
    </section>
  );
}
