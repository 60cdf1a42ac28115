// Samples of the Prometheus text exposition (0.0.4) that /metrics serves, enough to read a
// gauge's labelled values; the CLI has no runtime dependency for it.

/** @typedef {{ labels: Record<string, string>, value: number }} Sample */

/**
 * The samples of metric `name` in `text`.
 * @param {string} text @param {string} name @returns {Sample[]}
 */
export function samplesOf(text, name) {
  /** @type {Sample[]} */
  const samples = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || (line[name.length] !== "{" && line[name.length] !== " ")) continue;
    const close = line[name.length] === "{" ? labelsEnd(line, name.length) : name.length;
    if (close < 0) continue;
    samples.push({ labels: parseLabels(line.slice(name.length + 1, close)), value: Number(line.slice(close + 1).trim().split(/\s+/)[0]) });
  }
  return samples;
}

/** Index of the `}` closing the label set opened at `open`, skipping quoted values. @param {string} line @param {number} open */
function labelsEnd(line, open) {
  for (let i = open + 1; i < line.length; i++) {
    if (line[i] === "}") return i;
    if (line[i] !== '"') continue;
    for (i++; i < line.length && line[i] !== '"'; i++) {
      if (line[i] === "\\") i++;
    }
  }
  return -1;
}

/** @param {string} body */
function parseLabels(body) {
  /** @type {Record<string, string>} */
  const labels = {};
  for (const [, key, raw] of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[key] = raw.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
  }
  return labels;
}
