import { InvalidDurationError } from "./errors.ts";

const UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  "µs": 0.001,
  ns: 0.000001,
};

// Istio's YAML durations are Go durations ("1m30s", "0.5s", "100ms"); Gateway API's are a subset.
const TERM = /(\d+(?:\.\d+)?|\.\d+)(h|ms|m|s|us|µs|ns)/y;

/**
 * Milliseconds in a duration string such as `10s`, `0.5s`, `1m30s` or `100ms` (Go / Istio
 * syntax; `0` alone is allowed). Throws `InvalidDurationError` for anything else, negatives included.
 */
export function parseDuration(text: string): number {
  if (typeof text !== "string") throw new InvalidDurationError(String(text));
  if (text === "0") return 0;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    TERM.lastIndex = at;
    const term = TERM.exec(text);
    if (!term) throw new InvalidDurationError(text);
    total += Number(term[1]) * UNIT_MS[term[2]];
    at = TERM.lastIndex;
  }
  if (at === 0) throw new InvalidDurationError(text);
  return total;
}
