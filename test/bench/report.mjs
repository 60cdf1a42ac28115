// docs/BENCHMARKS.md from the run's results: every table, the command, the machine, the
// versions and how each figure was taken. Sections that did not run say so.
import { cpuMicrosOver } from "./stats.mjs";
import { rolloutSection } from "./sections/rollout.mjs";
import { scaleSection } from "./sections/scale-report.mjs";

const f0 = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : "–");
const f2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : "–");
const signed = (n) => (Number.isFinite(n) ? `${n >= 0 ? "+" : ""}${Math.round(n)}` : "–");
const table = (head, rows) => [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

/**
 * Every throughput row. `× floor` quotes a mesh row against the row with the same hops and
 * no mesh (its `floor`: the bare binding for withMesh, two bare bindings for the sidecar);
 * the CPU columns are `cpuMicrosOver` with `cores`: over the bare binding for every row,
 * over its own floor for mesh rows.
 */
export function configurationsTable(summary, cores) {
  const by = Object.fromEntries(summary.map((s) => [s.id, s]));
  const ratio = (a, b) => (b && Number.isFinite(a / b) ? f2(a / b) : "–");
  return table(
    ["configuration", "req/s (median; min–max)", "× direct", "× binding", "× floor (same hops, no mesh)", "CPU µs/req over binding", "mesh CPU µs/req over floor", "machine CPU busy %", "p50 µs", "p99 µs (median; min–max)", "+p50 vs direct", "stalls > 50 ms / samples", "max ms", "wrk timeouts (> 2 s)", "failed", "workerd fds after wrk"],
    summary.map((s) => {
      const floor = s.floor ? by[s.floor] : undefined;
      return [
        s.label,
        `${f0(s.rps)} (${f0(s.spread[0])}–${f0(s.spread[1])})`,
        ratio(s.rps, by.direct?.rps),
        ratio(s.rps, by.binding?.rps),
        floor ? `${ratio(s.rps, floor.rps)} (${floor.id})` : "–",
        s.id === "direct" ? "–" : signed(cpuMicrosOver(s.rps, by.binding?.rps, cores, s.cpuBusy, by.binding?.cpuBusy)),
        floor ? signed(cpuMicrosOver(s.rps, floor.rps, cores, s.cpuBusy, floor.cpuBusy)) : "–",
        f0(100 * s.cpuBusy),
        f0(s.p50),
        `${f0(s.p99)} (${f0(s.p99spread[0])}–${f0(s.p99spread[1])})`,
        signed(s.p50 - (by.direct?.p50 ?? NaN)),
        `${s.stalls} / ${f0(s.samples)}`,
        f1(s.maxMs),
        String(s.timeouts ?? 0),
        String(s.failed + s.socketErrors),
        Number.isFinite(s.fdsPeak) ? f0(s.fdsPeak) : "–",
      ];
    }),
  );
}

/** Differences of medians between configurations that differ in one thing. */
export function hopTable(summary, cores) {
  const by = Object.fromEntries(summary.map((s) => [s.id, s]));
  const pairs = [
    ["one service-binding hop, no mesh (binding − direct)", "binding", "direct"],
    ["a second service-binding hop, no mesh (binding2 − binding)", "binding2", "binding"],
    ["mesh layers on that hop: gateway + withMesh (mesh − binding)", "mesh", "binding"],
    ["gateway -> withMesh service, all in (mesh − direct)", "mesh", "direct"],
    ["mesh layers on two hops: gateway + standalone sidecar (sidecar − binding2)", "sidecar", "binding2"],
    ["standalone sidecar instead of withMesh: one more hop (sidecar − mesh)", "sidecar", "mesh"],
    ["identity: bearer JWT-SVID + answer vs off (mesh − idoff)", "mesh", "idoff"],
    ["identity: proof-of-possession vs bearer (pop − mesh)", "pop", "mesh"],
    ["telemetry: metrics + 1 % traces (default) vs off (mesh − teloff)", "mesh", "teloff"],
    ["telemetry: metrics + 100 % traces vs off (telfull − teloff)", "telfull", "teloff"],
    ["the mesh's decisions alone on that hop: route, split, authorization (decide − binding)", "decide", "binding"],
    ["identity and telemetry on top of the decisions (mesh − decide)", "mesh", "decide"],
  ].filter(([, a, b]) => by[a] && by[b]);
  return table(
    ["added by", "p50 µs", "p99 µs", "req/s ratio", "CPU µs/req"],
    pairs.map(([label, a, b]) => [label, signed(by[a].p50 - by[b].p50), signed(by[a].p99 - by[b].p99), f2(by[a].rps / by[b].rps), signed(cpuMicrosOver(by[a].rps, by[b].rps, cores, by[a].cpuBusy, by[b].cpuBusy))]),
  );
}

const MODULE_ROWS = 15;

/**
 * One row per key of `field` (layers, modules or outside buckets) across the profiles, µs per
 * request in each, largest total first, the `limit` largest, and a total row.
 */
export function profileTable(profiles, field, head, limit = Infinity) {
  const keys = new Map();
  for (const x of profiles) for (const row of x[field]) keys.set(row.key, (keys.get(row.key) ?? 0) + row.us);
  const ordered = [...keys].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([key]) => key);
  const cell = (x, key) => f1(x[field].find((row) => row.key === key)?.us ?? 0);
  const total = (x) => f1(x[field].reduce((n, row) => n + row.us, 0));
  return table(
    [head, ...profiles.map((x) => `${x.label} µs/req`)],
    [...ordered.map((key) => [`\`${key}\``, ...profiles.map((x) => cell(x, key))]), [`all ${field}`, ...profiles.map(total)]],
  );
}

// What the scaling rows mean for the code, true of the matchers as written.
const MATCHER_NOTES = `Where the curves come from:
- Route match (dataplane/traffic/route-table.ts) is indexed by path: exact paths in maps,
  prefixes and regex literal prefixes by length (prefix-index.ts), so only routes whose path could match are
  examined. The bench's table is adversarial: half its routes share the request's path prefix
  and differ only by a header or a regex tail, so the "routes examined" column grows with the
  table (500 of 1,000) and so does the per-request cost. A header-value index (e.g. on exact
  header matches) would cut that further; with tables that differ by path it stays flat.
  Fixed in this pass: the candidate list used to be flattened, de-duplicated and sorted on
  every request; it is now merged once per prefix and cached.
- Services: lookup is a map by canonical host; per-request cost is flat, the snapshot
  compile grows linearly (once per version).
- AuthorizationPolicy (dataplane/security/authorization.ts): the policies selecting a
  workload are found once per version, then every one is evaluated per request — inherent
  to Istio's semantics (any matching DENY wins), linear in policies that select the
  workload (the bench's worst case: all 1,000 do). An index by path or principal over
  DENY rules would make it sub-linear; policies that select other workloads cost nothing
  per request.`;

export function renderDoc(r) {
  const parts = [];
  parts.push(`# Benchmarks

Produced by \`${r.command}\` on ${r.date}, machine: ${r.machine}; ${r.versions}.
Load average (1 min) at start ${r.load.start}, at end ${r.load.end}${r.load.note ? ` — ${r.load.note}` : ""}.
Wall time of the run: ${f0(r.wallSeconds)} s. ${r.failures.length ? `**Failures:** ${r.failures.join("; ")}` : "No run failed."}
Earlier runs, and what changed between them: [BENCHMARKS-HISTORY.md](BENCHMARKS-HISTORY.md).

How to read this: every configuration runs in one workerd process (Miniflare ${r.miniflare}),
each Worker a client reaches on its own socket (Miniflare's \`unsafeDirectSockets\`), and they
alternate A B C / C B A each round so drift cancels. Throughput is wrk (${r.params.connections} connections,
${r.params.seconds} s per round, a 1 s warm-up excluded); latency comes from a client that keeps every raw
sample on one keep-alive connection (${r.params.latencySeconds} s per round), because wrk's tail figures are
unusable when workerd stalls. Figures are medians over ${r.params.rounds} rounds; spreads are min–max of the
rounds. Stalls (samples over 50 ms) are counted, not removed: workerd pauses for 50–650 ms a
few times in ten seconds in every configuration, which is what the p99 column mostly shows.
On 2 cores wrk, Node and workerd share the CPU, so absolute rates are this machine's; the
ratios measured in the same run are the figures to compare.`);

  if (r.throughput) {
    parts.push(`## Configurations side by side

The request: \`GET /api/v1/products/7\` with \`x-bench: on\`. Full mesh = a 50-route
VirtualService on the gateway (prefix, regex and header matches; the request hits route 49,
about half of the others are candidates the matcher must test and reject), a 90/10 weighted
split between two versions, identity on (PeerAuthentication STRICT by default: the first
request between two isolates exchanges JWT-SVIDs and attested keys, every later one carries
the pair's session tag, which the service checks and answers with its own), an AuthorizationPolicy on the service (ALLOW GET /api/* from the gateway's
principal) and a DENY policy at the edge, telemetry on as deployed by default (Istio metrics flushed to the
control plane, traces sampled at the default 1 % and exported over OTLP/HTTP to a local sink
Worker); the telemetry rows switch it off, or sample 100 % of traces. Access logs are off in
every configuration (they are console lines; they would measure the log pipe).

${configurationsTable(r.throughput, r.cores)}

Each mesh row is quoted against the row with the same hops and no mesh (\`× floor\`): the
withMesh rows against the bare binding (gateway -> service), the standalone sidecar against
two bare bindings (gateway -> plain forwarding Worker -> service), its own floor.

CPU per request comes from throughput under load and the machine's measured busy share (the
\`machine CPU busy %\` column, median over the wrk runs of a row): CPU per request = busy × cores
/ rps, so **CPU µs over a floor = (busy_row / rps_row − busy_floor / rps_floor) × cores × 10⁶**,
with cores = ${r.cores}. workerd runs one process's isolates on one thread, so one workerd
does not saturate the machine (see the busy column): the rate is bound by that
thread, and CPU per request must be weighed by how busy the cores were. It counts
every process on the machine (workerd, wrk, the bench's Node), which is why it is a
difference: the client's share per request is the same in both rows and cancels.

### Per-hop and per-feature cost (differences of the medians above)

${hopTable(r.throughput, r.cores)}

p99 differences of medians are noisy (see the min–max spread in the table above); p50 is the
stable per-request figure. OTLP exports received by the sink during the run: ${f0(r.sink?.exports)} (${f0(r.sink?.bytes)} bytes).`);
  }
  if (r.checks?.length) parts.push(`### Checks that the columns measure what they say\n\n${r.checks.map((c) => `- ${c}`).join("\n")}`);

  if (r.split) {
    const s = r.split;
    parts.push(`## Weighted split and stickiness (through the gateway, full mesh)

- ${f0(s.requests)} requests without a user: ${Object.entries(s.counts).map(([k, v]) => `${k} ${f0(v)}`).join(", ")} — max deviation from 90/10: **${f2(s.deviation)} percentage points** (smooth weighted round-robin; deterministic per isolate).
- ${f0(s.users)} users (\`end-user\` header, the DestinationRule's consistent hash) × ${s.perUser} requests each: share of users that ever switched subset **${f2(100 * s.switchedShare)} %** (must be 0); users per subset ${Object.entries(s.byUser).map(([k, v]) => `${k} ${f0(v)}`).join(", ")}, deviation ${f2(s.userDeviation)} points (weighted rendezvous hashing: statistical over users).
- Failed requests: ${s.failed}.`);
  }
  if (r.propagation) {
    const p = r.propagation;
    parts.push(`## Config propagation

From \`POST /v1/apply\` answered to the gateway routing by the change, over ${p.changes} changes (each moves the
late route's weight to the other version; the gateway is polled every 2 ms and the answering version
is the proof): **p50 ${f0(p.p50)} ms, p99 ${f0(p.p99)} ms** (min ${f0(p.min)}, max ${f0(p.max)}). The data plane
revalidates its snapshot every ISTHMUS_REFRESH_MS = ${r.refreshMs} ms in \`waitUntil\` (never on the request path),
so propagation is bounded by that interval plus one pull: the figure is the setting, as designed.`);
  }
  if (r.identity) {
    parts.push(`## Identity and CA

${table(["operation", "per second"], r.identity.map((x) => [x.what, f0(x.perSecond)]))}

In one isolate, each request does N operations and the client times N against 0 (workerd's clocks
stand still while code runs); the REST rows are client-timed end to end through the control-plane
Worker and the CA Durable Object.`);
  }
  if (r.applies) {
    parts.push(`## Control plane

\`POST /v1/apply\` of a 20-document file (5 × ServiceEntry, DestinationRule, 10-route VirtualService,
AuthorizationPolicy), each apply changing every document: **${f1(r.applies.perSecond)} applies/s**
(${f0(r.applies.meanMs)} ms each, ${r.applies.applies} applies in a row; every one validated, stored, recorded as a revision and compiled into a snapshot).`);
  }
  if (r.writePath) parts.push(writePathSection(r.writePath));
  if (r.scaling) {
    parts.push(`## Scaling curves

Through the gateway (full mesh, scale namespace): p50/p99 at one connection and wrk req/s, and the
same per-request operation timed in Node on the compiled matchers (route match for routes, service
lookup for services, AuthorizationPolicy evaluation for policies; \`compile\` = building the snapshot's
indexes, paid once per version per isolate). Services and policies are added to the snapshot on top
of the 50-route table; the policies are DENY policies that select the service and do not match, so
every one is evaluated on every request (the worst case).

${table(["dimension", "count", "p50 µs", "p99 µs", "req/s", "Node µs/op", "routes examined", "compile ms"], r.scaling.map((p) => [p.dimension, f0(p.count), f0(p.p50), f0(p.p99), f0(p.rps), f1(p.nodeNs / 1000), p.examined ?? "–", f1(p.compileMs)]))}`);
  }
  if (r.scale) parts.push(scaleSection(r.scale, { command: r.scale.command, omitted: r.scale.omitted }));
  if (r.isolate) {
    const i = r.isolate;
    parts.push(`## A data-plane isolate: start-up and memory

Fresh workerd process per run (a new Miniflare with one Worker), median of ${i.runs} runs. The gateway
pulls its snapshot over HTTP from a server in the bench process, so nothing else lives in that
workerd. Memory = VmRSS of the workerd process after 300 requests (workerd exposes no per-isolate
heap); the isolate's cost of a snapshot is the difference between the two gateway rows.

${table(["Worker", "snapshot", "ready ms (process start)", "first response ms", "RSS MiB"], [
  ["trivial service", "–", f0(i.echo.readyMs), f1(i.echo.firstMs), f1(i.echo.rssMiB)],
  ["gateway", `${i.small.routes} routes, ${f0(i.small.bytes / 1024)} KiB`, f0(i.small.readyMs), f1(i.small.firstMs), f1(i.small.rssMiB)],
  ["gateway", `${i.large.routes} routes, ${f0(i.large.bytes / 1024)} KiB`, f0(i.large.readyMs), f1(i.large.firstMs), f1(i.large.rssMiB)],
])}

RSS delta for ~${f0(i.large.routes - i.small.routes)} more routes: **${f1(i.large.rssMiB - i.small.rssMiB)} MiB** (process RSS, so GC timing blurs it by a few MiB).
The first response includes the snapshot pull, its schema check and hash, and compiling the indexes
(answer status ${i.small.firstStatus}: the lone gateway has no endpoints or CA bound, which does not matter here).`);
  }
  if (r.bundles) {
    parts.push(`## Bundle sizes

esbuild with wrangler's resolution conditions (local/build.mjs), unminified, as \`wrangler deploy\` bundles them:

${table(["Worker", "raw KiB", "gzip KiB"], r.bundles.map((b) => [b.label, f1(b.raw / 1024), f1(b.gzip / 1024)]))}`);
  }
  if (r.profile) {
    const p = r.profile;
    const layered = p.profiles.filter((x) => x.name !== "isthmus-control");
    parts.push(`## Where the time goes (CPU profiles)

V8 sampling profiles through workerd's inspector (a second workerd with the inspector on, same
Workers), while wrk drove the full mesh at ${p.connections} connections for ${p.seconds} s (${f0(p.rps)} req/s there,
${f0(p.requests)} requests). Samples are counted, each one sampling interval (${p.intervalUs} µs) of CPU: the
profile's time deltas would also charge time other isolates spent on the same thread to the
next sample. "Of a core" = busy samples × interval / the profile's wall time. Per-request
figures = samples × interval / requests completed during the profile (the callee's two versions
are profiled together, so its figures are over every request). \`(program)\` is V8/workerd native
work not attributed to a JS function; capitalised natives (\`Request\`, \`verify\`, \`sign\`,
\`digest\`) are Web API calls. "Wall per sample" is the profile's wall time over the samples it
holds (idle ones included): near the interval, the isolate was sampled all along; well above it,
intervals went without a sample (the isolate not entered, or the sampler late), and if the
latter, the figures here are a lower bound.

${p.profiles.map((x) => `**${x.label}** (${f0(100 * x.cpuShare)} % of a core, ${f0(x.busyUs)} µs CPU per request, ${f0(x.busySamples)} busy of ${f0(x.samples)} samples, wall per sample ${f0(x.wallPerSampleUs)} µs): ${x.top.map((t) => `\`${t.fn}\` ${f1(100 * t.share)} %`).join(", ")}`).join("\n\n")}

### CPU µs per request by data-plane layer

Each sample goes to the innermost call frame defined in a data-plane module (esbuild's
unminified bundle names each module), so Web API calls (\`verify\`, \`fetch\`) and library
code count for the layer that made them. Samples with no data-plane frame on the stack are
listed by the innermost bundled module (the Worker's entry, a library) or the native frame.

${profileTable(layered, "layers", "layer")}

Samples outside the layers:

${profileTable(layered, "outside", "where", 10)}

By module (the ${MODULE_ROWS} largest):

${profileTable(layered, "modules", "module", MODULE_ROWS)}`);
  }
  if (r.rollout) parts.push(rolloutSection(r.rollout));
  if (r.findings?.length) parts.push(`## Findings\n\n${r.findings.map((x) => `- ${x}`).join("\n")}\n\n${MATCHER_NOTES}`);
  if (r.skipped?.length) parts.push(`## Not measured in this run\n\n${r.skipped.map((x) => `- ${x}`).join("\n")}`);
  return parts.join("\n\n") + "\n";
}

/** The "Control plane write path" section (`--sections writepath`). */
function writePathSection({ sequential, concurrent, compile, ca, flushes }) {
  return `## Control plane write path

| operation | figure |
|---|---|
| \`POST /v1/apply\`, 20 documents, one at a time (${sequential.applies} applies) | ${f1(sequential.perSecond)} applies/s, ${f1(sequential.meanMs)} ms each |
| \`POST /v1/apply\`, 20 documents, ${concurrent.inFlight} in flight (${concurrent.applies} applies) | ${f1(concurrent.perSecond)} applies/s |
| compile a ${compile.resources}-resource snapshot (+${compile.endpoints} registered endpoints, ${f0(compile.bytes / 1024)} KiB), Node | ${f1(compile.medianMs)} ms median (min ${f1(compile.minMs)}) |
${ca.map((x) => `| ${x.what} | ${f0(x.perSecond)}/s |`).join("\n")}

Every apply changes all 20 documents: validated, stored, recorded as a revision; the bench
mesh's data-plane isolates pull each new snapshot, so the control plane compiles it too.

Telemetry flushes into a control-plane Worker of their own, 8 in flight, from 16 isolates (several shards):

| series per flush | CPU per flush (MeshPeer + shard) | flushes/s |
|---|---|---|
${flushes.map((f) => `| ${f.series} | ${f0(f.cpuMicros)} µs | ${f0(f.perSecond)} |`).join("\n")}`;
}
