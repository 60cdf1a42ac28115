// `npm run sim`: the scale simulation alone (test/bench/sections/scale.mjs): N simulated
// data-plane isolates against the real control-plane Worker, per distribution mode.
// 127.0.0.1 only; each run is bounded (about 16 s plus start-up).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "../../local/build.mjs";
import { SLOW_AT, buildScaleScripts, measureScale } from "./sections/scale.mjs";
import { scaleSection } from "./sections/scale-report.mjs";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "10,100,1000" },
    modes: { type: "string", default: "isolate,location" },
    "per-location": { type: "string", default: "25" },
    "refresh-ms": { type: "string", default: "1000" },
    "stamp-ms": { type: "string", default: "250" },
    changes: { type: "string", default: "4" },
    transport: { type: "string", default: "http" },
    slow: { type: "string", default: Object.entries(SLOW_AT).map(([n, k]) => `${n}:${k}`).join(",") },
    json: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log(`usage: npm run sim -- [--sizes 10,100,1000] [--modes isolate,location] [--per-location 25]
                      [--refresh-ms 1000] [--stamp-ms 250] [--changes 4] [--transport http|rpc]
                      [--slow N:K,...] [--json FILE]

Modes:
  isolate   every isolate revalidates with the control plane every --refresh-ms (GET /v1/snapshot?since)
            and pulls the whole snapshot on a change
  location  isolates share their location's Cache API cache (one location per --per-location
            isolates): the version stamp, renewed by one isolate every --stamp-ms, and snapshots
            by content hash; each isolate checks its location every --stamp-ms
Transport: the control plane's HTTP data-plane API through a service binding (default), or
MeshPeer over Workers RPC (its results are held until a request ends: fine up to N=100).
--slow 1000:4 (default) plays N=1000 on a clock 4x slower: 2 shared cores cannot run a
thousand isolates' loops in real time; rates and times are reported in simulated time.
Prints per mode and N: control-plane requests/s and CPU µs per request (steady state),
propagation p50/p99 per isolate and the time until all N hold a change; at the end the same
tables as docs/BENCHMARKS.md's "Config distribution at scale" (npm run bench -- --sections scale).`);
  process.exit(0);
}
const list = (value) => value.split(",").map((s) => s.trim()).filter(Boolean);
const buildDir = join(repoRoot, ".isthmus", "sim");
const scripts = await buildScaleScripts(buildDir);
console.log("scale simulation (config distribution)");
const result = await measureScale({
  scripts,
  buildDir,
  sizes: list(args.sizes).map(Number),
  modes: list(args.modes),
  perLocation: Number(args["per-location"]),
  refreshMs: Number(args["refresh-ms"]),
  stampMs: Number(args["stamp-ms"]),
  changes: Number(args.changes),
  transport: args.transport,
  slowAt: Object.fromEntries(list(args.slow).map((pair) => pair.split(":").map(Number))),
  log: (line) => console.log(line),
});
console.log(`\n${scaleSection(result, { command: `npm run sim${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}` })}`);
if (args.json) await writeFile(args.json, JSON.stringify(result, null, 2));
