import { useRef, useState } from "preact/hooks";
import { useSigned } from "../context.ts";
import { href } from "../route.ts";
import type { VersionStats } from "../types.ts";
import { formatMs, formatPercent, formatRps } from "../ui/format.ts";
import { usePoll } from "../ui/poll.ts";
import { WindowSelect } from "../ui/window-select.tsx";
import { TapPanel } from "../tap/tap-panel.tsx";
import { Chart } from "./chart.tsx";
import { StatsHistory, type Metric } from "./history.ts";
import { EndpointsPanel } from "./endpoints-panel.tsx";
import { PoliciesPanel } from "./policies-panel.tsx";
import { RoutesPanel } from "./routes-panel.tsx";

const REFRESH_MS = 3000;

const CHARTS: { metric: Metric; title: string; format: (v: number) => string }[] = [
  { metric: "rps", title: "Requests per second", format: formatRps },
  { metric: "successRate", title: "Success rate", format: (v) => formatPercent(v) },
  { metric: "p50", title: "Latency p50", format: formatMs },
  { metric: "p95", title: "Latency p95", format: formatMs },
  { metric: "p99", title: "Latency p99", format: formatMs },
];

export function ServiceView({ namespace, name }: { namespace: string; name: string }) {
  const { api } = useSigned();
  const [window, setWindow] = useState("1m");
  const history = useRef(new StatsHistory());
  const stats = usePoll(
    async () => {
      const body = await api.get<{ versions: VersionStats[] }>(`/v1/stats?service=${encodeURIComponent(name)}&namespace=${encodeURIComponent(namespace)}&window=${window}`);
      history.current.add(Date.now(), body.versions);
      return body.versions;
    },
    REFRESH_MS,
    [window],
  );
  const versions = history.current.versions();
  return (
    <section aria-labelledby="service-title">
      <div class="toolbar">
        <h1 id="service-title">
          {name}
          <span class="ns">.{namespace}</span>
        </h1>
        <WindowSelect id="service-window" value={window} onChange={setWindow} />
        <a href={href({ view: "graph" })}>Back to the graph</a>
      </div>
      {stats.error && (
        <p class="error" role="alert">
          {stats.error}
        </p>
      )}
      <section aria-labelledby="golden-title">
        <h2 id="golden-title">Golden metrics by version</h2>
        {stats.data && stats.data.length === 0 && <p>No requests to {name} in the last {window}.</p>}
        {stats.data && stats.data.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Requests</th>
                <th scope="col">RPS</th>
                <th scope="col">Success</th>
                <th scope="col">p50</th>
                <th scope="col">p95</th>
                <th scope="col">p99</th>
              </tr>
            </thead>
            <tbody>
              {stats.data.map((v) => (
                <tr key={v.version}>
                  <th scope="row">{v.version}</th>
                  <td class="num">{v.requests}</td>
                  <td class="num">{formatRps(v.rps)}</td>
                  <td class="num">{formatPercent(v.successRate)}</td>
                  <td class="num">{formatMs(v.latencyMs.p50)}</td>
                  <td class="num">{formatMs(v.latencyMs.p95)}</td>
                  <td class="num">{formatMs(v.latencyMs.p99)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {versions.length > 0 && (
          <p class="hint">
            Each point is the last {window}, polled every {REFRESH_MS / 1000} s while this page is open.
          </p>
        )}
        {versions.length > 0 && (
          <div class="charts">
            {CHARTS.map((chart) => (
              <Chart
                key={chart.metric}
                title={chart.title}
                format={chart.format}
                lines={versions.map((version) => ({ version, points: history.current.series(chart.metric, version) }))}
              />
            ))}
          </div>
        )}
      </section>
      <div class="columns">
        <RoutesPanel namespace={namespace} name={name} />
        <PoliciesPanel namespace={namespace} name={name} />
      </div>
      <EndpointsPanel namespace={namespace} name={name} />
      <TapPanel namespace={namespace} name={name} />
    </section>
  );
}
