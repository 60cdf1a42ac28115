// Load generation: wrk for throughput, and a client that keeps every raw latency sample
// (wrk's coordinated-omission correction swamps its tail figures when workerd stalls).
import { execFile } from "node:child_process";
import http from "node:http";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Throughput with wrk: requests/s over `seconds` at `connections` connections. */
export async function wrkThroughput(url, { seconds = 5, connections = 32, threads = 2 } = {}) {
  const { stdout } = await run("wrk", [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, url], {
    timeout: (seconds + 30) * 1000,
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const errors = /Socket errors:.*/.exec(stdout)?.[0] ?? "";
  if (!Number.isFinite(rps)) throw new Error(`wrk printed no rate:\n${stdout}`);
  return { rps, non2xx, errors };
}

/**
 * Sequential requests on one keep-alive connection for `seconds`; every sample kept.
 * Returns percentiles in microseconds and the stalls (samples over 50 ms).
 */
export async function latencySamples(url, { seconds = 3, headers = {} } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples = [];
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = process.hrtime.bigint();
    const status = await new Promise((resolve, reject) => {
      const req = http.get(url, { agent, headers }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      });
      req.on("error", reject);
    });
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
    if (status >= 400) failures++;
  }
  agent.destroy();
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return {
    count: samples.length,
    failures,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: samples[samples.length - 1],
    stalls: samples.filter((s) => s > 50_000).length,
  };
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
