// The "Config distribution at scale" section from measureScale's result (sections/scale.mjs):
// one renderer for `npm run sim` (printed) and `npm run bench` (docs/BENCHMARKS.md). What a
// run could not measure is said in the section, never left out.
const f0 = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : "–");
const table = (head, rows) => [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
/** A propagation time; Infinity when some isolate never held a change within the run. */
const ms = (n) => (n === Infinity ? "not reached" : `${f0(n)} ms`);
const MODE = { isolate: "isolate (before)", location: "location (after)" };
const COST = { stamp: "stamp (epoch, version, hash)", unchanged: "pull that finds nothing newer (`since=E:V`)", snapshot: "full snapshot pull" };

/**
 * `omitted`: sizes or modes left out of this run, each a sentence saying why.
 * @param {any} result measureScale's answer
 * @param {{ command: string, omitted?: string[] }} options
 */
export function scaleSection(result, { command, omitted = [] }) {
  const { rows, costs } = result;
  const notes = [];
  for (const slow of new Set(rows.map((r) => r.slow).filter((s) => s !== 1))) {
    const sizes = [...new Set(rows.filter((r) => r.slow === slow).map((r) => f0(r.isolates)))].join(", ");
    notes.push(`N = ${sizes} ran on a clock ${slow}× slower (every interval and window stretched; rates and times reported back in simulated time): the runtime's own costs (the control plane's CPU per request, Cache API operations) are not stretched, so they weigh ${slow}× less there than in real time.`);
  }
  if (rows.some((r) => r.cpuUsPerRequest === 0)) {
    notes.push("CPU per request \"below noise\": the busy share with the control plane came out below the one without it (the busy column).");
  }
  const cacheOps = rows.filter((r) => r.cacheOpMs !== undefined);
  for (const r of rows.filter((x) => x.missed > 0)) {
    const smallest = cacheOps.find((x) => x.mode === r.mode);
    const cache = r.cacheOpMs === undefined ? "" : ` Miniflare's Cache API emulation took ${f1(r.cacheOpMs)} ms per operation on average in this run${smallest && smallest !== r ? ` (${f1(smallest.cacheOpMs)} ms at N = ${f0(smallest.isolates)})` : ""}; where that is far above the small-N figure, the local emulation bounds propagation, not the design (on Cloudflare each location's cache serves only its own isolates). The requests/s figure does not depend on it.`;
    notes.push(`**${r.mode} at N = ${f0(r.isolates)}: ${f0(r.missed)} of ${f0(r.isolates * result.changes)} isolate-changes did not arrive within the run** (counted as never: a propagation figure that includes them reads "not reached").${cache}`);
  }
  for (const r of rows.filter((x) => x.errors.length)) notes.push(`${r.mode} at N = ${f0(r.isolates)}: first error in the simulator: ${r.errors[0]}`);
  notes.push(...omitted);
  return `## Config distribution at scale

\`${command}\`: N simulated data-plane isolates (each the data plane's own \`SnapshotCache\`, test/bench/workers/scale-sim.ts)
against the real control-plane Worker in one workerd, ${result.perLocation} isolates per location, over the control
plane's ${result.transport === "rpc" ? "MeshPeer Workers RPC" : "HTTP data-plane API through a service binding"}. Per mode and N: 3.5–6.5 s steady state (requests/s
counted by the isolates; CPU per request = workerd's process CPU minus that of the same isolates with the
control plane answered from memory, over the requests made), then ${result.changes} config changes ${f0(result.gapMs)} ms apart: propagation from \`POST /v1/apply\` answered
to each isolate holding the version (p50/p99 over isolates × changes) and to all N. Before = \`isolate\`:
every isolate revalidates every ${f0(result.refreshMs)} ms; after = \`location\`: stamp and snapshots shared per location's
Cache API cache, stamp renewed every ${f0(result.stampMs)} ms. Snapshot ${f1(result.snapshotBytes / 1024)} KiB. The model fitted to these
figures and its extrapolation to 10,000 isolates: [SCALE.md](SCALE.md).
At a few requests/s the CPU per request is a difference of two busy shares (the busy column) within their
run-to-run variation: the cost table is then the figure for one request.

Cost of one control-plane request (bursts of 1.5 s, 4 in flight; the caller's side included, so an upper bound):

${table(["request", "CPU µs per request", "per second back to back"], Object.entries(costs).map(([kind, c]) => [COST[kind] ?? kind, f0(c.cpuUsPerRequest), f0(c.perSecond)]))}

${table(
  ["mode", "N", "L", "clock", "control-plane requests/s", "CPU µs per request", "propagation p50", "p99", "all N hold it (p50 / max)", "isolate-changes not reached", "workerd busy (without the control plane)", "Cache API op (mean)"],
  rows.map((r) => [
    MODE[r.mode] ?? r.mode,
    f0(r.isolates),
    f0(r.locations),
    r.slow === 1 ? "real time" : `${r.slow}× slower`,
    f1(r.requestsPerSecond),
    r.cpuUsPerRequest === 0 ? "below noise" : f0(r.cpuUsPerRequest),
    ms(r.p50),
    ms(r.p99),
    `${ms(r.allP50)} / ${ms(r.allMax)}`,
    `${f0(r.missed)} of ${f0(r.isolates * result.changes)}`,
    `${f0(100 * r.processBusy)} % (${f0(100 * r.idleBusy)} %)`,
    r.cacheOpMs === undefined ? "–" : `${f1(r.cacheOpMs)} ms`,
  ]),
)}${notes.length ? `\n\n${notes.map((n) => `- ${n}`).join("\n")}` : ""}`;
}
