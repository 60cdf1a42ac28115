// `npm run bench`: the mesh against direct calls and against nginx, side by side in one
// run. Writes docs/BENCHMARKS.md. Exits non-zero only when a run failed, never because a
// figure is slow.
import { execFileSync, spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { Miniflare } from "miniflare";
import { buildWorker, repoRoot } from "../../local/build.mjs";
import { latencySamples, median, wrkThroughput } from "./load.mjs";
import { startNginxSplit } from "./nginx.mjs";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "32" },
    out: { type: "string", default: "docs/BENCHMARKS.md" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log(`usage: npm run bench -- [--rounds N] [--seconds S] [--connections C] [--out FILE]

Measures, on 127.0.0.1 only and bounded in time, each configuration A B A B:
  direct     the trivial service Worker on its own socket (the floor)
  binding    a bare gateway Worker forwarding through a service binding (the platform)
  nginx      nginx split_clients 90/10 in front of two copies of the service
and writes the figures with the command, machine and versions to --out.`);
  process.exit(0);
}

function ensureTool(cmd, pkg) {
  try {
    execFileSync("which", [cmd], { stdio: "ignore" });
  } catch {
    console.log(`installing ${pkg} (apt-get)`);
    execFileSync("apt-get", ["install", "-y", "-qq", pkg], { stdio: "inherit" });
  }
}
ensureTool("wrk", "wrk");
ensureTool("nginx", "nginx-light");

const build = resolve(repoRoot, ".isthmus/bench");
const echo = await buildWorker("test/bench/workers/echo.ts", `${build}/echo.js`);
const forward = await buildWorker("test/bench/workers/forward.ts", `${build}/forward.js`);

const port = { direct: 18901, directB: 18902, binding: 18903, nginx: 18904 };
const worker = (name, scriptPath, extra = {}) => ({
  name,
  modules: true,
  scriptPath,
  compatibilityDate: "2026-04-26",
  ...extra,
});
const mf = new Miniflare({
  workers: [
    worker("echo", echo, { unsafeDirectSockets: [{ host: "127.0.0.1", port: port.direct }] }),
    worker("echo-b", echo, { unsafeDirectSockets: [{ host: "127.0.0.1", port: port.directB }] }),
    worker("forward", forward, {
      serviceBindings: { UPSTREAM: "echo" },
      unsafeDirectSockets: [{ host: "127.0.0.1", port: port.binding }],
    }),
  ],
});
await mf.ready;
const nginx = await startNginxSplit({ port: port.nginx, upstreamA: port.direct, upstreamB: port.directB });

const configs = [
  { id: "direct", label: "service called directly (floor)", url: `http://127.0.0.1:${port.direct}/api/v1/products` },
  { id: "binding", label: "gateway -> service binding, no mesh (platform)", url: `http://127.0.0.1:${port.binding}/api/v1/products` },
  { id: "nginx", label: "nginx split_clients 90/10 -> service", url: `http://127.0.0.1:${port.nginx}/api/v1/products` },
];

const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const results = Object.fromEntries(configs.map((c) => [c.id, { rps: [], lat: [] }]));
let failed = false;
try {
  for (const c of configs) await wrkThroughput(c.url, { seconds: 1, connections }); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const c of r % 2 ? [...configs].reverse() : configs) {
      const t = await wrkThroughput(c.url, { seconds, connections });
      if (t.non2xx || t.errors) console.warn(`${c.id}: ${t.non2xx} non-2xx ${t.errors}`);
      const l = await latencySamples(c.url, { seconds: Math.min(3, seconds) });
      if (l.failures) failed = true;
      results[c.id].rps.push(t.rps);
      results[c.id].lat.push(l);
      console.log(`round ${r + 1} ${c.id.padEnd(8)} ${t.rps.toFixed(0).padStart(7)} rps  p50 ${l.p50.toFixed(0)} µs  p99 ${l.p99.toFixed(0)} µs  stalls ${l.stalls}`);
    }
  }
} catch (e) {
  console.error(e);
  failed = true;
} finally {
  await nginx.stop();
  await mf.dispose();
}

const summary = configs.map((c) => {
  const r = results[c.id];
  const rps = median(r.rps);
  return {
    ...c,
    rps,
    spread: r.rps.length ? [Math.min(...r.rps), Math.max(...r.rps)] : [0, 0],
    p50: median(r.lat.map((l) => l.p50)),
    p99: median(r.lat.map((l) => l.p99)),
    stalls: r.lat.reduce((n, l) => n + l.stalls, 0),
  };
});
const by = Object.fromEntries(summary.map((s) => [s.id, s]));
const ratio = (a, b) => (b ? (a / b).toFixed(2) : "-");

/** First line a tool prints of its version (wrk exits 1 after printing it). */
function toolVersion(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: "utf8" });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n")[0].replace(/Copyright.*/, "").trim() || cmd;
}
const versions = {
  node: process.version,
  workerd: (await import("miniflare/package.json", { with: { type: "json" } }).catch(() => ({ default: {} }))).default.version,
  wrk: toolVersion("wrk", ["-v"]),
  nginx: toolVersion("nginx", ["-v"]),
};
const table = [
  "| configuration | req/s (median, spread) | × direct | × binding | p50 µs (1 conn) | +p50 vs direct | p99 µs | stalls > 50 ms |",
  "|---|---|---|---|---|---|---|---|",
  ...summary.map(
    (s) =>
      `| ${s.label} | ${s.rps.toFixed(0)} (${s.spread[0].toFixed(0)}–${s.spread[1].toFixed(0)}) | ${ratio(s.rps, by.direct.rps)} | ${ratio(s.rps, by.binding.rps)} | ${s.p50.toFixed(0)} | ${(s.p50 - by.direct.p50).toFixed(0)} | ${s.p99.toFixed(0)} | ${s.stalls} |`,
  ),
].join("\n");
console.log("\n" + table);

const doc = `# Benchmarks

Produced by \`npm run bench -- --rounds ${rounds} --seconds ${seconds} --connections ${connections}\` on
${new Date().toISOString().slice(0, 10)}; machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"},
${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${versions.node}, Miniflare ${versions.workerd}, ${versions.wrk}, ${versions.nginx}.

Method: every configuration runs in the same process tree, each Worker on its own socket,
alternating A B C / C B A each round so drift cancels; throughput from wrk
(${connections} connections, ${seconds} s, 1 s warm-up excluded), latency from a client that keeps every raw
sample on one keep-alive connection (wrk's tail figures are unusable when workerd stalls).
Figures are medians over rounds; the spread is min–max of the rounds.

${table}
`;
await writeFile(resolve(repoRoot, args.out), doc);
console.log(`\nwrote ${args.out}`);
process.exit(failed ? 1 : 0);
