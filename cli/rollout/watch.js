// The live view of `isthmus rollout status --watch`: reads the Rollout every interval and
// redraws until it reaches a terminal phase, the timeout passes, or the user stops it.
import { UsageError } from "../errors.js";
import { TERMINAL_PHASES } from "./render.js";

/** Clear the screen and move home: a TTY gets a redrawn view, not a scrolling log. */
const CLEAR = "\u001b[H\u001b[2J";

/**
 * Milliseconds of a duration flag such as `500ms`, `2s`, `10m`, `1h`.
 * @param {string} value @param {string} flag
 */
export function durationMs(value, flag) {
  const match = /^(\d+)(ms|s|m|h)$/.exec(value);
  if (!match || Number(match[1]) === 0) throw new UsageError(`${flag} ${value}: use a duration such as 500ms, 2s, 10m, 1h`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[/** @type {"ms"|"s"|"m"|"h"} */ (match[2])];
}

/**
 * @typedef {{
 *   read: () => Promise<import("./render.js").Rollout>,
 *   render: (rollout: import("./render.js").Rollout) => string,
 *   write: (text: string) => void,
 *   tty: boolean,
 *   intervalMs: number,
 *   timeoutMs?: number,
 *   signal?: AbortSignal,
 * }} WatchOptions
 */

/**
 * Redraw the Rollout until it settles. On a TTY every read redraws the screen; elsewhere
 * (a pipe, a log) a view is printed only when the status changed.
 * @param {WatchOptions} options
 * @returns {Promise<{ ended: "terminal" | "timeout" | "interrupted", rollout: import("./render.js").Rollout }>}
 */
export async function watchRollout({ read, render, write, tty, intervalMs, timeoutMs, signal }) {
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const rollout = await read();
    const seen = JSON.stringify(rollout.status ?? null);
    if (tty) write(CLEAR + render(rollout));
    else if (seen !== last) write((last ? "\n" : "") + render(rollout));
    last = seen;
    if (TERMINAL_PHASES.includes(rollout.status?.phase ?? "")) return { ended: "terminal", rollout };
    const wait = Math.min(intervalMs, deadline - Date.now());
    if (wait <= 0) return { ended: "timeout", rollout };
    if (!(await sleep(wait, signal))) return { ended: "interrupted", rollout };
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. @param {number} ms @param {AbortSignal} [signal] */
function sleep(ms, signal) {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (/** @type {boolean} */ slept) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(slept);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
