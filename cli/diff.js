// Unified diff of two texts (line-based LCS), for `isthmus diff` and revision diffs.

/**
 * @param {string} before @param {string} after
 * @param {{ fromName: string, toName: string, context?: number }} names
 * @returns {string} empty when the texts are equal
 */
export function unifiedDiff(before, after, { fromName, toName, context = 3 }) {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = editScript(a, b);
  const hunks = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i].op === " ") {
      i++;
      continue;
    }
    // Grow a hunk around a run of changes, merging changes closer than 2*context.
    let start = Math.max(0, i - context);
    let end = i;
    while (end < ops.length) {
      if (ops[end].op !== " ") {
        end++;
        continue;
      }
      let next = end;
      while (next < ops.length && ops[next].op === " ") next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    hunks.push(ops.slice(start, stop));
    i = stop;
  }
  let out = `--- ${fromName}\n+++ ${toName}\n`;
  for (const hunk of hunks) {
    const first = hunk[0];
    const aCount = hunk.filter((o) => o.op !== "+").length;
    const bCount = hunk.filter((o) => o.op !== "-").length;
    const aStart = aCount ? first.ai + 1 : first.ai;
    const bStart = bCount ? first.bi + 1 : first.bi;
    out += `@@ -${aStart},${aCount} +${bStart},${bCount} @@\n`;
    for (const o of hunk) out += `${o.op}${o.line}\n`;
  }
  return out;
}

/** @param {string} text */
function splitLines(text) {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/**
 * @param {string[]} a @param {string[]} b
 * @returns {{ op: " " | "-" | "+", line: string, ai: number, bi: number }[]}
 */
function editScript(a, b) {
  // LCS table from the end; resources are small, so O(n*m) is fine.
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  /** @type {{ op: " " | "-" | "+", line: string, ai: number, bi: number }[]} */
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) ops.push({ op: " ", line: a[i], ai: i++, bi: j++ });
    else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ op: "-", line: a[i], ai: i++, bi: j });
    else ops.push({ op: "+", line: b[j], ai: i, bi: j++ });
  }
  return ops;
}

/** Colour a unified diff (the palette is a no-op off a TTY). @param {string} text @param {import("./command.js").Context["colour"]} colour */
export function paintDiff(text, colour) {
  return text
    .split("\n")
    .map((l) => (l.startsWith("+++") || l.startsWith("---") ? colour.bold(l) : l.startsWith("+") ? colour.green(l) : l.startsWith("-") ? colour.red(l) : l.startsWith("@@") ? colour.cyan(l) : l))
    .join("\n");
}
