/**
 * A small, documented heuristic for regexes that can backtrack catastrophically in a
 * backtracking engine (JavaScript's). Envoy's RE2 never backtracks, but the data plane matches
 * with JavaScript RegExp, so such a pattern would let one request burn an isolate's CPU.
 *
 * Two shapes are reported, the ones behind almost every published ReDoS:
 * 1. Nested quantifiers: an unbounded quantifier inside another unbounded quantifier, where the
 *    inner one could take one more character that could equally start what follows it (the
 *    rest of the outer body or its next iteration): `(a+)+`, `(a*)*`, `(\w+\s?)*`, `(.*a)*`.
 *    Unambiguous nestings such as `(/[a-z]+)*` or `([0-9]+,)*` are not reported.
 * 2. Alternation under an unbounded quantifier whose branches can start with the same
 *    character: `(a|a)*`, `(a|ab)+`, `(\w|\d)*`, `(.|x)*`.
 * It may report a few safe patterns (`(ab|ac)*`), and does not look for polynomial cases
 * such as `\d+\d+`.
 */
export function regexSafetyProblem(pattern: string): string | null {
  let tree: Node;
  try {
    tree = new Parser(pattern).parse();
  } catch {
    return null; // compile errors are reported by compileRegex
  }
  return findProblem(tree, pattern, new Uint8Array(ALPHABET), false);
}

const ALPHABET = 129; // ASCII, plus one slot for every non-ASCII character
type CharSet = Uint8Array;

type Node =
  | { t: "alt"; alts: Node[] }
  | { t: "seq"; items: Node[] }
  | { t: "rep"; body: Node; min: number; max: number; from: number; to: number }
  | { t: "set"; set: CharSet }
  | { t: "empty" };

/** Walks the tree knowing which characters may follow each node (`follow`). */
function findProblem(node: Node, pattern: string, follow: CharSet, underUnbounded: boolean): string | null {
  switch (node.t) {
    case "alt": {
      for (const child of node.alts) {
        const found = findProblem(child, pattern, follow, underUnbounded);
        if (found) return found;
      }
      return null;
    }
    case "seq": {
      for (let i = 0; i < node.items.length; i++) {
        const rest: Node = { t: "seq", items: node.items.slice(i + 1) };
        const after = nullable(rest) ? union(first(rest), follow) : first(rest);
        const found = findProblem(node.items[i], pattern, after, underUnbounded);
        if (found) return found;
      }
      return null;
    }
    case "rep": {
      const unbounded = node.max === Infinity;
      const text = pattern.slice(node.from, node.to);
      const starts = first(node.body);
      if (unbounded && underUnbounded && overlaps(starts, follow)) {
        return `nested quantifier ${JSON.stringify(text)} inside another unbounded quantifier can backtrack catastrophically`;
      }
      if (unbounded) {
        const alt = topAlternation(node.body);
        if (alt && overlappingBranches(alt)) {
          return `alternation ${JSON.stringify(text)} has branches that can match the same text under an unbounded quantifier`;
        }
      }
      // Inside a repetition, the body may be followed by its own next iteration.
      const bodyFollow = node.max > 1 ? union(starts, follow) : follow;
      return findProblem(node.body, pattern, bodyFollow, underUnbounded || unbounded);
    }
    default:
      return null;
  }
}

function union(a: CharSet, b: CharSet): CharSet {
  return a.map((bit, k) => bit | b[k]);
}

function overlaps(a: CharSet, b: CharSet): boolean {
  return a.some((bit, k) => bit === 1 && b[k] === 1);
}

function topAlternation(node: Node): Node & { t: "alt" } | null {
  if (node.t === "alt") return node;
  if (node.t === "seq" && node.items.length === 1) return topAlternation(node.items[0]);
  return null;
}

function overlappingBranches(alt: Node & { t: "alt" }): boolean {
  const firsts = alt.alts.map(first);
  for (let i = 0; i < firsts.length; i++) {
    for (let j = i + 1; j < firsts.length; j++) {
      if (overlaps(firsts[i], firsts[j])) return true;
    }
  }
  return false;
}

function nullable(node: Node): boolean {
  switch (node.t) {
    case "alt":
      return node.alts.some(nullable);
    case "seq":
      return node.items.every(nullable);
    case "rep":
      return node.min === 0 || nullable(node.body);
    case "set":
      return false;
    case "empty":
      return true;
  }
}

/** The characters a node's match can start with. */
function first(node: Node): CharSet {
  const out = new Uint8Array(ALPHABET);
  const add = (set: CharSet) => set.forEach((bit, k) => bit && (out[k] = 1));
  switch (node.t) {
    case "alt":
      node.alts.forEach((n) => add(first(n)));
      break;
    case "seq":
      for (const item of node.items) {
        add(first(item));
        if (!nullable(item)) break;
      }
      break;
    case "rep":
      add(first(node.body));
      break;
    case "set":
      add(node.set);
      break;
  }
  return out;
}

function setOf(test: (c: string) => boolean, nonAscii: boolean): CharSet {
  const set = new Uint8Array(ALPHABET);
  for (let k = 0; k < 128; k++) set[k] = test(String.fromCharCode(k)) ? 1 : 0;
  set[128] = nonAscii ? 1 : 0;
  return set;
}

const CLASS_ESCAPES: Record<string, CharSet> = {
  d: setOf((c) => /\d/.test(c), false),
  D: setOf((c) => /\D/.test(c), true),
  w: setOf((c) => /\w/.test(c), false),
  W: setOf((c) => /\W/.test(c), true),
  s: setOf((c) => /\s/.test(c), true),
  S: setOf((c) => /\S/.test(c), true),
};
const ANY = setOf((c) => c !== "\n", true);

class Parser {
  private at = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.at < this.src.length) throw new Error("unbalanced )");
    return node;
  }

  private alternation(): Node {
    const alts = [this.sequence()];
    while (this.src[this.at] === "|") {
      this.at++;
      alts.push(this.sequence());
    }
    return alts.length === 1 ? alts[0] : { t: "alt", alts };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.at < this.src.length && this.src[this.at] !== "|" && this.src[this.at] !== ")") {
      const from = this.at;
      let atom = this.atom();
      for (let q = this.quantifier(); q; q = this.quantifier()) {
        atom = { t: "rep", body: atom, min: q.min, max: q.max, from, to: this.at };
      }
      items.push(atom);
    }
    return { t: "seq", items };
  }

  private quantifier(): { min: number; max: number } | null {
    const c = this.src[this.at];
    let q: { min: number; max: number } | null = null;
    if (c === "*") q = { min: 0, max: Infinity };
    else if (c === "+") q = { min: 1, max: Infinity };
    else if (c === "?") q = { min: 0, max: 1 };
    if (q) this.at++;
    else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.at));
      if (!m) return null;
      this.at += m[0].length;
      const min = Number(m[1]);
      q = { min, max: m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]) };
    } else return null;
    if (this.src[this.at] === "?" || this.src[this.at] === "+") this.at++; // lazy / possessive
    return q;
  }

  private atom(): Node {
    const c = this.src[this.at++];
    if (c === "(") {
      const group = /^\?(:|P?<[^>]*>|<?[=!]|[a-zA-Z]*:?)/.exec(this.src.slice(this.at));
      const lookaround = group !== null && /[=!]$/.test(group[1]);
      if (group) this.at += group[0].length;
      const body = this.alternation();
      if (this.src[this.at++] !== ")") throw new Error("missing )");
      return lookaround ? { t: "empty" } : body;
    }
    if (c === "[") return { t: "set", set: this.charClass() };
    if (c === ".") return { t: "set", set: ANY };
    if (c === "^" || c === "$") return { t: "empty" };
    if (c === "\\") return this.escape(false);
    return { t: "set", set: setOf((x) => x === c, c.charCodeAt(0) > 127) };
  }

  private escape(inClass: boolean): Node & { t: "set" | "empty" } {
    const e = this.src[this.at++];
    if (e === undefined) throw new Error("trailing backslash");
    if (CLASS_ESCAPES[e]) return { t: "set", set: CLASS_ESCAPES[e] };
    if (!inClass && "bBAzZ".includes(e)) return { t: "empty" };
    if (/[1-9]/.test(e)) return { t: "empty" };
    const special: Record<string, string> = { n: "\n", t: "\t", r: "\r", f: "\f", v: "\v", "0": "\0" };
    if (special[e]) return { t: "set", set: setOf((x) => x === special[e], false) };
    if ("xupPc".includes(e)) {
      // Code points and Unicode classes: assume they may match anything (conservative).
      const m = /^(\{[^}]*\}|[0-9a-fA-F]{2,4}|[A-Za-z])/.exec(this.src.slice(this.at));
      if (m) this.at += m[0].length;
      return { t: "set", set: ANY };
    }
    return { t: "set", set: setOf((x) => x === e, e.charCodeAt(0) > 127) };
  }

  private charClass(): CharSet {
    const negate = this.src[this.at] === "^";
    if (negate) this.at++;
    const set = new Uint8Array(ALPHABET);
    let firstChar = true;
    while (this.at < this.src.length && (this.src[this.at] !== "]" || firstChar)) {
      firstChar = false;
      let lo: string | null = this.src[this.at++];
      if (lo === "\\") {
        const escaped = this.escape(true);
        if (escaped.t === "set" && escaped.set.filter(Boolean).length !== 1) {
          escaped.set.forEach((bit, k) => bit && (set[k] = 1));
          continue;
        }
        lo = escaped.t === "set" ? String.fromCharCode(escaped.set.indexOf(1)) : null;
        if (lo === null) continue;
      }
      if (this.src[this.at] === "-" && this.src[this.at + 1] !== "]" && this.at + 1 < this.src.length) {
        this.at++;
        let hi = this.src[this.at++];
        if (hi === "\\") hi = this.src[this.at++];
        const [a, b] = [lo.charCodeAt(0), hi.charCodeAt(0)];
        for (let k = a; k <= Math.min(b, 127); k++) set[k] = 1;
        if (b > 127) set[128] = 1;
      } else {
        const code = lo.charCodeAt(0);
        set[code > 127 ? 128 : code] = 1;
      }
    }
    if (this.src[this.at++] !== "]") throw new Error("missing ]");
    if (negate) set.forEach((bit, k) => (set[k] = bit ? 0 : 1));
    if (negate) set[128] = 1;
    return set;
  }
}
