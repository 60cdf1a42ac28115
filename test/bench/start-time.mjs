#!/usr/bin/env node
// How long `npm start` takes to a ready mesh: runs it in a fresh state directory on free
// ports, once cold (builds, bootstrap) and then RUNS times warm (nothing changed), each
// timed from spawning `npm start` to dev.mjs printing "running and ready" (it prints that
// only once /readyz answers 200), then stopped with Ctrl-C as a user would.
//   node test/bench/start-time.mjs [RUNS]   (default 5)
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const runs = Number(process.argv[2] ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`RUNS must be a positive integer, got ${JSON.stringify(process.argv[2])}`);
  process.exit(2);
}

/** One `npm start` to ready and back down; resolves with the milliseconds to ready. @param {string} stateDir */
function timeStart(stateDir) {
  const started = performance.now();
  // detached: its own process group, so Ctrl-C reaches npm and dev.mjs as from a terminal.
  const child = spawn("npm", ["start", "--silent"], {
    cwd: repo,
    detached: true,
    env: { ...process.env, ISTHMUS_STATE_DIR: stateDir, ISTHMUS_CONTROL_PORT: "0", ISTHMUS_GATEWAY_PORT: "0", ISTHMUS_GATEWAY_TLS_PORT: "0", ISTHMUS_ACCESS_LOG: "off" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const stop = () => process.kill(-(/** @type {number} */ (child.pid)), "SIGINT");
  return new Promise((resolve, reject) => {
    let readyMs = -1;
    // dev.mjs gives up waiting for /readyz after 60 s but keeps running: stop it then.
    const timer = setTimeout(stop, 120_000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (readyMs < 0 && out.includes("running and ready")) {
        readyMs = performance.now() - started;
        stop();
      }
    });
    child.stderr.on("data", (chunk) => (out += chunk));
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (readyMs >= 0) resolve(readyMs);
      else reject(new Error(`npm start exited with ${code} before it was ready:\n${out}`));
    });
  });
}

const load = () => loadavg().map((n) => n.toFixed(2)).join(" ");
const stateDir = await mkdtemp(join(tmpdir(), "isthmus-start-time-"));
try {
  console.log(`load average before: ${load()}`);
  console.log(`cold: ${Math.round(await timeStart(stateDir))} ms`);
  const warm = [];
  for (let i = 0; i < runs; i++) {
    warm.push(await timeStart(stateDir));
    console.log(`warm ${i + 1}: ${Math.round(warm[i])} ms`);
  }
  const sorted = [...warm].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  console.log(`warm median of ${runs}: ${Math.round(median)} ms (min ${Math.round(sorted[0])}, max ${Math.round(sorted[sorted.length - 1])}); load average after: ${load()}`);
} finally {
  await rm(stateDir, { recursive: true, force: true });
}
