// Terminal output: kubectl-style tables, ages, and colour only on a TTY without NO_COLOR.

/**
 * @typedef {{
 *   stdout: { write(s: string): unknown, isTTY?: boolean },
 *   stderr: { write(s: string): unknown, isTTY?: boolean },
 *   env: Record<string, string | undefined>,
 * }} Streams
 */

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 };

/**
 * Colour functions for one stream; identity functions when colour is off.
 * @param {{ isTTY?: boolean }} stream @param {Record<string, string | undefined>} env
 * @returns {Record<keyof typeof CODES, (s: string) => string>}
 */
export function palette(stream, env) {
  const on = Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== "dumb";
  /** @type {any} */
  const colours = {};
  for (const [name, code] of Object.entries(CODES)) colours[name] = on ? (/** @type {string} */ s) => `\u001b[${code}m${s}\u001b[0m` : (/** @type {string} */ s) => s;
  return colours;
}

/**
 * Columns separated by three spaces, as kubectl prints them.
 * @param {string[]} header @param {string[][]} rows
 */
export function table(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : (cell ?? "").padEnd(widths[i]))).join("   ").trimEnd()).join("\n") + "\n";
}

/**
 * kubectl's short age: 45s, 12m, 5h, 3d.
 * @param {string | undefined} timestamp @param {number} [now]
 */
export function age(timestamp, now = Date.now()) {
  if (!timestamp) return "<unknown>";
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (Number.isNaN(seconds)) return "<unknown>";
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
