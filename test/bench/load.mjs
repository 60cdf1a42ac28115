// Load generation: wrk for throughput, and a client that keeps every raw latency sample
// (wrk's coordinated-omission correction swamps its tail figures when workerd stalls).
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarizeSamples } from "./stats.mjs";

/** Raised when wrk's output has no rate in it. */
export class WrkOutputError extends Error {
  code = "wrk_output";
  constructor(output) {
    super(`wrk printed no rate:\n${output}`);
    this.name = "WrkOutputError";
  }
}

/**
 * What wrk printed: requests/s, total requests, non-2xx/3xx responses, socket errors
 * (connect, read and write: failures), timeouts (no answer within wrk's 2 s: stalls, not
 * failures) and the error line as printed.
 */
export function parseWrkOutput(stdout) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  if (!Number.isFinite(rps)) throw new WrkOutputError(stdout);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const errorLine = /Socket errors:.*/.exec(stdout)?.[0] ?? "";
  const count = (name) => Number(new RegExp(`${name} (\\d+)`).exec(errorLine)?.[1] ?? 0);
  return { rps, requests, non2xx, socketErrors: count("connect") + count("read") + count("write"), timeouts: count("timeout"), errorLine };
}

/**
 * Throughput with wrk: requests/s over `seconds` at `connections` connections. `guard`,
 * polled every 200 ms, may return a reason to stop early: wrk is interrupted (it still
 * reports the rate of the time it ran) and the result carries `stoppedEarly`.
 */
export async function wrkThroughput(url, { seconds = 5, connections = 32, threads = 2, headers = {}, guard, postBody } = {}) {
  // wrk replaces its own Host only when given as `Host`; any other spelling sends two.
  const flags = Object.entries(headers).flatMap(([name, value]) => ["-H", `${name.toLowerCase() === "host" ? "Host" : name}: ${value}`]);
  // `postBody`: every request is a POST of it (wrk takes a method and body only from a Lua script).
  if (postBody !== undefined) {
    // JSON's escapes of printable ASCII, \n, \r and \t are Lua's too.
    if (/[^\x20-\x7e\n\r\t]/.test(postBody)) throw new Error("wrkThroughput: postBody must be printable ASCII");
    const script = join(mkdtempSync(join(tmpdir(), "isthmus-wrk-")), "post.lua");
    writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(postBody)}\n`);
    flags.push("-s", script);
  }
  const child = spawn("wrk", [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, ...flags, url], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  let stoppedEarly;
  const poll = guard && setInterval(() => {
    const reason = stoppedEarly ? undefined : guard();
    if (reason) {
      stoppedEarly = reason;
      child.kill("SIGINT");
    }
  }, 200);
  const kill = setTimeout(() => child.kill("SIGKILL"), (seconds + 30) * 1000);
  try {
    await new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
  } finally {
    clearInterval(poll);
    clearTimeout(kill);
  }
  return { ...parseWrkOutput(stdout), ...(stoppedEarly ? { stoppedEarly } : {}) };
}

/** Raised when a request gets no complete answer in time (workerd hung or spinning). */
export class NoAnswerError extends Error {
  code = "no_answer";
  constructor(url, timeoutMs) {
    super(`no answer from ${url} within ${timeoutMs / 1000} s`);
    this.name = "NoAnswerError";
  }
}

/**
 * One GET on `agent`; resolves to the status and headers once the body is read. A request
 * still unanswered after `timeoutMs` fails with NoAnswerError, so a hung Worker ends the
 * section instead of the run waiting forever.
 */
export function get(url, { agent, headers = {}, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new NoAnswerError(url, timeoutMs)));
    req.on("error", reject);
  });
}

/**
 * Sequential requests on one keep-alive connection for `seconds`; every sample kept.
 * Returns percentiles in microseconds, the stalls (samples over 50 ms) and the failures
 * (status >= 400 or a connection error).
 */
export async function latencySamples(url, { seconds = 3, headers = {} } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples = [];
  let failures = 0;
  let lastStatus = 0;
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) {
      const t0 = process.hrtime.bigint();
      const { status } = await get(url, { agent, headers });
      samples.push(Number(process.hrtime.bigint() - t0) / 1000);
      lastStatus = status;
      if (status >= 400) failures++;
    }
  } finally {
    agent.destroy();
  }
  return { ...summarizeSamples(samples), failures, lastStatus };
}
