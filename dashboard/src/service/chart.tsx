// A small line chart: one line per version over the kept samples.
import type { Point } from "./history.ts";

const WIDTH = 260;
const HEIGHT = 90;
const PAD = { left: 44, right: 6, top: 8, bottom: 16 };

export function Chart({ title, lines, format }: { title: string; lines: { version: string; points: Point[] }[]; format: (value: number) => string }) {
  const values = lines.flatMap((l) => l.points.map((p) => p.value)).filter((v): v is number => v !== null);
  const times = lines.flatMap((l) => l.points.map((p) => p.at));
  const max = values.length ? Math.max(...values) : 1;
  const min = values.length ? Math.min(0, ...values) : 0;
  const span = max - min || 1;
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (at: number) => PAD.left + (t1 === t0 ? WIDTH - PAD.left - PAD.right : ((at - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right));
  const y = (value: number) => PAD.top + (1 - (value - min) / span) * (HEIGHT - PAD.top - PAD.bottom);
  const latest = lines.map((l) => `${l.version} ${formatLast(l.points, format)}`).join(", ");
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}: latest ${latest || "no data"}`} data-points={Math.max(0, ...lines.map((l) => l.points.length))}>
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(min)} y2={y(min)} class="axis" />
        <text x={PAD.left - 4} y={PAD.top + 8} text-anchor="end" class="tick">
          {values.length ? format(max) : ""}
        </text>
        <text x={PAD.left - 4} y={HEIGHT - PAD.bottom} text-anchor="end" class="tick">
          {values.length ? format(min) : ""}
        </text>
        {lines.map((line, i) => {
          const last = [...line.points].reverse().find((p) => p.value !== null);
          return (
            <g key={line.version} class={`s${i % 6}`}>
              <polyline class="series" points={segments(line.points, x, y)} />
              {last && <circle class="last" cx={x(last.at)} cy={y(last.value!)} r="2.5" />}
            </g>
          );
        })}
      </svg>
      <ul class="chart-legend">
        {lines.map((line, i) => (
          <li key={line.version}>
            <span class={`swatch s${i % 6}`} /> {line.version}: {formatLast(line.points, format)}
          </li>
        ))}
      </ul>
    </figure>
  );
}

// Points without a value are skipped, so a version that stops answering flattens out of view.
function segments(points: Point[], x: (at: number) => number, y: (value: number) => number): string {
  return points
    .filter((p) => p.value !== null)
    .map((p) => `${x(p.at).toFixed(1)},${y(p.value!).toFixed(1)}`)
    .join(" ");
}

function formatLast(points: Point[], format: (value: number) => string): string {
  const last = [...points].reverse().find((p) => p.value !== null);
  return last ? format(last.value!) : "–";
}
