import { useState } from "preact/hooks";
import { useSigned } from "../context.ts";
import { href } from "../route.ts";
import type { EdgeStats } from "../types.ts";
import { formatMs, formatPercent, formatRps } from "../ui/format.ts";
import { usePoll } from "../ui/poll.ts";
import { WindowSelect } from "../ui/window-select.tsx";
import { GraphSvg } from "./graph-svg.tsx";
import { healthOf, serviceGraph } from "./model.ts";

const REFRESH_MS = 3000;

export function GraphView() {
  const { api } = useSigned();
  const [window, setWindow] = useState("1m");
  const [live, setLive] = useState(true);
  const edges = usePoll(() => api.get<{ edges: EdgeStats[] }>(`/v1/stats/edges?window=${window}`), live ? REFRESH_MS : 0, [window, live]);
  const graph = edges.data && serviceGraph(edges.data.edges);
  return (
    <section aria-labelledby="graph-title" class="graph-view">
      <div class="toolbar">
        <h1 id="graph-title">Service graph</h1>
        <WindowSelect id="graph-window" value={window} onChange={setWindow} />
        <span class="field">
          <input id="graph-live" type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} />
          <label for="graph-live">Live (every {REFRESH_MS / 1000} s)</label>
        </span>
        <span class="updated" aria-live="polite">
          {edges.updatedAt ? `Updated ${edges.updatedAt.toLocaleTimeString()}` : "Loading…"}
        </span>
      </div>
      {edges.error && (
        <p class="error" role="alert">
          {edges.error}
        </p>
      )}
      {graph && graph.nodes.length === 0 && <p>No traffic in the last {window}. Send requests through the gateway to see the graph.</p>}
      {graph && graph.nodes.length > 0 && <GraphSvg graph={graph} />}
      <Legend />
      {edges.data && edges.data.edges.length > 0 && <EdgeTable edges={edges.data.edges} window={window} />}
    </section>
  );
}

function Legend() {
  return (
    <p class="legend">
      Edge colour by success rate: <span class="swatch healthy" /> ≥ 99% <span class="swatch degraded" /> ≥ 95% <span class="swatch failing" /> below 95%{" "}
      <span class="swatch idle" /> no requests. Labels: requests per second · success rate · p99 latency.
    </p>
  );
}

function EdgeTable({ edges, window }: { edges: EdgeStats[]; window: string }) {
  return (
    <table class="edges">
      <caption>Calls in the last {window}</caption>
      <thead>
        <tr>
          <th scope="col">Source</th>
          <th scope="col">Destination</th>
          <th scope="col">Version</th>
          <th scope="col">RPS</th>
          <th scope="col">Success</th>
          <th scope="col">p50</th>
          <th scope="col">p99</th>
          <th scope="col">Health</th>
        </tr>
      </thead>
      <tbody>
        {edges.map((edge) => (
          <tr key={`${edge.source.workload}>${edge.destination.service}/${edge.destination.version}`} data-edge={`${edge.source.workload}>${edge.destination.service}/${edge.destination.version}`}>
            <td>{edge.source.workload}</td>
            <td>
              <a href={href({ view: "service", namespace: edge.destination.namespace, name: edge.destination.service })}>{edge.destination.service}</a>
            </td>
            <td>{edge.destination.version}</td>
            <td class="num">{formatRps(edge.rps)}</td>
            <td class="num">{formatPercent(edge.successRate)}</td>
            <td class="num">{formatMs(edge.latencyMs.p50)}</td>
            <td class="num">{formatMs(edge.latencyMs.p99)}</td>
            <td>{healthOf(edge.successRate)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
