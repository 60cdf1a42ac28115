// Throughput and latency of every configuration, A B C / C B A each round so drift
// cancels: wrk for requests/s, the raw-sample client for p50/p99 and stalls.
import { readFileSync } from "node:fs";
import { latencySamples, wrkThroughput } from "../load.mjs";
import { busyShare, cpuJiffies, median, spread } from "../stats.mjs";

// The CPU-per-request figures assume wrk saturates every core; each run records how busy
// the machine really was, so the report can show whether it held.
const machineCpu = () => {
  try {
    return cpuJiffies(readFileSync("/proc/stat", "utf8"));
  } catch {
    return { idle: NaN, total: NaN };
  }
};

/**
 * `configs`: `{ id, label, url, headers? }`. Returns per config the median rps with its
 * spread, medians of p50/p99 over rounds, the stalls summed, any failed requests and the
 * median share of the machine's cores busy during wrk (`cpuBusy`).
 */
export async function measureThroughput(configs, { rounds, seconds, latencySeconds, connections, log, workerd }) {
  const { openFiles, drain } = workerd;
  const results = Object.fromEntries(configs.map((c) => [c.id, { rps: [], lat: [], non2xx: 0, socketErrors: 0, timeouts: 0, fds: [], busy: [], stoppedEarly: [] }]));
  for (const c of configs) {
    await wrkThroughput(c.url, { seconds: 1, connections, headers: c.headers, guard: workerd.guard(c.fdBudget) }); // warm-up
    await drain();
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of r % 2 ? [...configs].reverse() : configs) {
      const cpuBefore = machineCpu();
      const t = await wrkThroughput(c.url, { seconds, connections, headers: c.headers, guard: workerd.guard(c.fdBudget) });
      const busy = busyShare(cpuBefore, machineCpu());
      const fds = openFiles();
      if (t.stoppedEarly) results[c.id].stoppedEarly.push(`round ${r + 1}: ${t.stoppedEarly}`);
      await drain();
      const l = await latencySamples(c.url, { seconds: latencySeconds, headers: c.headers });
      const into = results[c.id];
      into.rps.push(t.rps);
      into.lat.push(l);
      into.non2xx += t.non2xx + l.failures;
      into.socketErrors += t.socketErrors;
      into.timeouts += t.timeouts;
      into.fds.push(fds);
      into.busy.push(busy);
      log(`round ${r + 1} ${c.id.padEnd(8)} ${t.rps.toFixed(0).padStart(7)} rps  p50 ${l.p50.toFixed(0)} µs  p99 ${l.p99.toFixed(0)} µs  stalls ${l.stalls}  fds ${fds}  cpu ${(100 * busy).toFixed(0)} %${t.non2xx + l.failures ? `  FAILED ${t.non2xx + l.failures} (last ${l.lastStatus})` : ""}`);
    }
  }
  return configs.map((c) => {
    const r = results[c.id];
    return {
      ...c,
      rps: median(r.rps),
      spread: spread(r.rps),
      p50: median(r.lat.map((l) => l.p50)),
      p99: median(r.lat.map((l) => l.p99)),
      p99spread: spread(r.lat.map((l) => l.p99)),
      stalls: r.lat.reduce((n, l) => n + l.stalls, 0),
      maxMs: Math.max(...r.lat.map((l) => l.max)) / 1000,
      samples: r.lat.reduce((n, l) => n + l.count, 0),
      failed: r.non2xx,
      socketErrors: r.socketErrors,
      timeouts: r.timeouts,
      fdsPeak: Math.max(...r.fds),
      cpuBusy: median(r.busy),
      stoppedEarly: r.stoppedEarly,
    };
  });
}
