import { href } from "../route.ts";
import { formatMs, formatPercent, formatRps } from "../ui/format.ts";
import { layeredLayout, type Box } from "./layout.ts";
import { healthOf, type GraphLink, type ServiceGraph } from "./model.ts";

export function GraphSvg({ graph }: { graph: ServiceGraph }) {
  const layout = layeredLayout(graph);
  const box = (end: { node: string; version: string | null }): Box => {
    const placed = layout.placed.get(end.node)!;
    return placed.versions.get(end.version ?? "") ?? placed.node;
  };
  return (
    <figure class="graph">
      <svg
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width={layout.width}
        role="img"
        aria-labelledby="graph-caption"
        style={{ maxWidth: "100%", height: "auto" }}
      >
        <defs>
          {(["healthy", "degraded", "failing", "idle"] as const).map((health) => (
            <marker key={health} id={`arrow-${health}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" class={`arrow ${health}`} />
            </marker>
          ))}
        </defs>
        {graph.nodes.map((n) => {
          const placed = layout.placed.get(n.id)!;
          const body = (
            <g class={n.service ? "node service" : "node caller"} data-node={n.id}>
              <rect x={placed.node.x} y={placed.node.y} width={placed.node.width} height={placed.node.height} rx="6" />
              <text x={placed.node.x + 8} y={placed.node.y + 18} class="node-label">
                {n.label}
              </text>
              {[...placed.versions].map(([version, v]) =>
                version === "" ? (
                  <text key="namespace" x={v.x} y={v.y + 16} class="node-namespace">
                    {n.namespace}
                  </text>
                ) : (
                  <g key={version} class="version">
                    <rect x={v.x} y={v.y} width={v.width} height={v.height} rx="4" />
                    <text x={v.x + 8} y={v.y + 16}>
                      {version}
                    </text>
                  </g>
                ),
              )}
            </g>
          );
          return n.service ? (
            <a key={n.id} href={href({ view: "service", namespace: n.namespace, name: n.label })} aria-label={`Service ${n.label}, versions ${n.versions.join(", ")}`}>
              {body}
            </a>
          ) : (
            <g key={n.id}>{body}</g>
          );
        })}
        {graph.links.map((link, i) => (
          <Edge key={i} link={link} from={box(link.from)} to={box(link.to)} />
        ))}
      </svg>
      <figcaption id="graph-caption">
        Services (with their versions inside) and the calls between them. {graph.nodes.length} nodes, {graph.links.length} edges.
      </figcaption>
    </figure>
  );
}

function Edge({ link, from, to }: { link: GraphLink; from: Box; to: Box }) {
  const health = healthOf(link.figures.successRate);
  const x1 = from.x + from.width;
  const y1 = from.y + from.height / 2;
  const x2 = to.x;
  const y2 = to.y + to.height / 2;
  const bend = Math.max(40, (x2 - x1) / 2);
  const path = `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
  const label = `${formatRps(link.figures.rps)} · ${formatPercent(link.figures.successRate)} · p99 ${formatMs(link.figures.latencyMs.p99)}`;
  // Labels sit near the callee end, where edges fanning out of one caller are apart.
  const lx = x2 - 8;
  const ly = y2 - 5;
  return (
    <g class={`edge ${health}`} data-edge={`${link.from.node}>${link.to.node}/${link.to.version}`}>
      <title>{label}</title>
      <path d={path} marker-end={`url(#arrow-${health})`} />
      <text x={lx} y={ly} text-anchor="end" class="edge-label">
        {label}
      </text>
    </g>
  );
}
