// Most route regexes are plain: literals, `.`, bracketed classes of ASCII characters and
// ranges, each maybe repeated by `*`, `+` or `?` (`/api/v1/products/[0-9]+`). Their full
// match needs no RE2 program: the first compile in an isolate costs ~10 ms (re2js decodes its
// Unicode tables and warms up its parser), which held up the first answer of any isolate
// whose first request tests a regex. A plain pattern is matched here instead, as RE2 would
// (by code point, `.` not matching `\n`, in time linear in the value); anything else, and
// anything this reader is not sure of, goes to RE2.

/** One position of a plain pattern: code point ranges, optional (`?`, `*`) and repeatable (`*`). */
interface Step {
  /** Inclusive [low, high] pairs. */
  ranges: readonly number[];
  optional: boolean;
  repeats: boolean;
  /** The character, when the step is one literal character. */
  literal?: string;
}

/** Longer patterns go to RE2, which also bounds their program size. */
const MAX_PLAIN_LENGTH = 256;
/** Steps after the leading literal text, one bit each in a 32-bit state set (and one for "all matched"). */
const MAX_STEPS = 30;
const ANY_BUT_NEWLINE = [0, 9, 11, 0x10ffff];

/**
 * A full-match test of `pattern` when it is plain (see above), else undefined: the caller
 * compiles it with RE2. The leading literal text is compared at once; the rest walks the
 * value once, keeping the set of steps it may stand before as the bits of one integer.
 */
export function plainFullMatcher(pattern: string): ((value: string) => boolean) | undefined {
  const parsed = plainSteps(pattern);
  if (!parsed) return undefined;
  let first = 0;
  let lead = "";
  while (first < parsed.length && parsed[first]!.literal !== undefined && !parsed[first]!.optional) lead += parsed[first++]!.literal;
  const steps = parsed.slice(first);
  const count = steps.length;
  if (count > MAX_STEPS) return undefined;
  const done = 1 << count;
  // from[j]: step j and the steps after it that may start because the ones before are optional.
  const from: number[] = [];
  from[count] = done;
  for (let j = count - 1; j >= 0; j--) from[j] = (1 << j) | (steps[j]!.optional ? from[j + 1]! : 0);
  // What matching step j leaves possible: j again when it repeats, else what follows it.
  const after = steps.map((step, j) => from[step.repeats ? j : j + 1]!);
  return (value) => {
    if (!value.startsWith(lead)) return false;
    let states = from[0]!;
    for (let i = lead.length; i < value.length; i++) {
      let codePoint = value.charCodeAt(i);
      if (codePoint >= 0xd800 && codePoint <= 0xdbff && i + 1 < value.length) {
        const low = value.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (low - 0xdc00);
          i++;
        }
      }
      let next = 0;
      for (let pending = states & ~done; pending !== 0; pending &= pending - 1) {
        const j = 31 - Math.clz32(pending & -pending);
        if (inRanges(steps[j]!.ranges, codePoint)) next |= after[j]!;
      }
      if (next === 0) return false;
      states = next;
    }
    return (states & done) !== 0;
  };
}

function inRanges(ranges: readonly number[], codePoint: number): boolean {
  for (let r = 0; r < ranges.length; r += 2) if (codePoint >= ranges[r]! && codePoint <= ranges[r + 1]!) return true;
  return false;
}

/** The steps of a plain pattern, or undefined when it is not one. */
function plainSteps(pattern: string): Step[] | undefined {
  if (pattern.length > MAX_PLAIN_LENGTH) return undefined;
  const chars = Array.from(pattern);
  let i = chars[0] === "^" ? 1 : 0;
  const end = chars[chars.length - 1] === "$" && chars[chars.length - 2] !== "\\" ? chars.length - 1 : chars.length;
  const steps: Step[] = [];
  while (i < end) {
    const char = chars[i]!;
    let ranges: readonly number[];
    let literal: string | undefined;
    if (char === ".") {
      ranges = ANY_BUT_NEWLINE;
      i++;
    } else if (char === "[") {
      const read = readClass(chars, i + 1, end);
      if (!read) return undefined;
      ranges = read.ranges;
      i = read.after;
    } else if (char === "\\") {
      // An escaped ASCII punctuation character is itself; other escapes (`\d`, `\pN`, `\Q`) are RE2's.
      const escaped = chars[i + 1];
      if (i + 1 >= end || escaped === undefined || !isAsciiPunctuation(escaped)) return undefined;
      literal = escaped;
      i += 2;
    } else if ("()|{}[]^$*+?".includes(char)) {
      return undefined;
    } else {
      literal = char;
      i++;
    }
    if (literal !== undefined) ranges = [literal.codePointAt(0)!, literal.codePointAt(0)!];
    const quantifier = i < end && "*+?".includes(chars[i]!) ? chars[i] : undefined;
    if (quantifier !== undefined) {
      i++;
      // `a**`, `a+?` (non-greedy), `a{2}`: left to RE2, which refuses or reads them itself.
      if (i < end && "*+?{".includes(chars[i]!)) return undefined;
    }
    // `x+` is `x` then `x*`.
    if (quantifier === "+") steps.push({ ranges: ranges!, optional: false, repeats: false, literal });
    steps.push({ ranges: ranges!, optional: quantifier !== undefined, repeats: quantifier === "*" || quantifier === "+", literal });
  }
  return steps;
}

/** `[...]` of printable ASCII characters and ranges (no negation, escapes or named classes), read from `from`. */
function readClass(chars: readonly string[], from: number, end: number): { ranges: number[]; after: number } | undefined {
  const ranges: number[] = [];
  let i = from;
  if (chars[i] === "^" || chars[i] === "]") return undefined;
  while (i < end && chars[i] !== "]") {
    const low = chars[i]!;
    // `-` is a member first or last only (RE2 reads it elsewhere its own way).
    if (!isPlainClassChar(low) || (low === "-" && i !== from && chars[i + 1] !== "]")) return undefined;
    let high = low;
    if (chars[i + 1] === "-" && i + 2 < end && chars[i + 2] !== "]") {
      high = chars[i + 2]!;
      if (!isPlainClassChar(high) || high < low) return undefined;
      i += 3;
    } else i++;
    ranges.push(low.charCodeAt(0), high.charCodeAt(0));
  }
  if (i >= end || ranges.length === 0) return undefined;
  return { ranges, after: i + 1 };
}

const isAsciiPunctuation = (char: string) => /^[!-/:-@[-`{-~]$/.test(char);
// Printable ASCII but `[`, `\` and `]`: escapes and named classes are RE2's.
const isPlainClassChar = (char: string) => /^[ -Z^-~]$/.test(char);
