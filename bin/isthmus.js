#!/usr/bin/env node
// The isthmus CLI (`npx isthmus`). Plain ESM so it runs without a build step.
import { main } from "../cli/main.js";
import { readStdin } from "../cli/stdin.js";

const controller = new AbortController();
process.once("SIGINT", () => {
  controller.abort();
  process.exitCode = 130;
});
process.stdout.on("error", (error) => {
  // A closed pipe (`isthmus tap x | head`) is a normal way to stop reading.
  if (/** @type {NodeJS.ErrnoException} */ (error).code === "EPIPE") process.exit(0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  readStdin,
  signal: controller.signal,
});
