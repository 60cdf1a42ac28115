// Fuzzes `POST /v1/apply` on the real control-plane Worker (workerd, its Durable Objects
// included) with 10,000 mutations of the repository's real Istio YAML (examples/ and
// resources/fixtures/): byte flips, truncation, duplicated lines and keys, deep nesting,
// aliases, type swaps, huge numbers, unicode, JSON forms. Seeded (ISTHMUS_FUZZ_SEED), so a
// failure reproduces. Never a 5xx; never a partial store: dry runs store nothing, and a real
// apply moves the revision and the snapshot only when it answers 2xx. Prints its totals.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.ts";
import { seededRandom } from "../../dataplane/traffic/random.ts";

const SEED = Number(process.env.ISTHMUS_FUZZ_SEED ?? 14);
const TOTAL = 10_000;
/** Every REAL_EVERY-th case is applied for real (sequentially, checked one by one); the rest are dry runs. */
const REAL_EVERY = 20;
const BATCH = 32;

const root = new URL("../../", import.meta.url).pathname;
const seeds = ["examples", "demo/bookinfo/config", "resources/fixtures"].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => readFileSync(join(root, dir, file), "utf8")),
);

const random = seededRandom(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

const SCALARS = ["null", "~", "true", "[]", "{}", "[1, 2]", "{a: 1}", '""', "1e309", "-1e309", "99999999999999999999999999", "-0", ".nan", ".inf", "0x7fffffff", "1_000", "!!binary aGVsbG8=", "!!str 12", "!!int x", "!custom x", "2001-12-14t21:59:43.10-05:00", "&x 1", "*x", "'unterminated", "\"\\u0000\"", "|-\n  block"];
const UNICODE = ["\u0000", "\u202e", "\u200b", "\ufeff", "\ud800", "\u00e9", "\u{1f600}", "\u0085", "\u2028", "\t", "\r", "：", "ー", "İ"];

type Mutation = (text: string) => string | Uint8Array;

const lines = (text: string) => text.split("\n");
const MUTATIONS: Record<string, Mutation> = {
  byteFlip(text) {
    const bytes = new TextEncoder().encode(text);
    for (let i = 0, n = 1 + int(8); i < n; i++) bytes[int(bytes.length)] = int(256);
    return bytes;
  },
  truncate: (text) => text.slice(0, int(text.length)),
  duplicateLine(text) {
    const all = lines(text);
    const at = int(all.length);
    all.splice(at, 0, all[at]!);
    return all.join("\n");
  },
  duplicateKey: (text) => text.replace(/^(\s*)(\w+):(.*)$/m, (_, indent, key, rest) => `${indent}${key}:${rest}\n${indent}${key}:${rest}`),
  swapScalar: (text) => {
    const all = lines(text);
    const candidates = all.map((line, i) => (/:\s*\S/.test(line) ? i : -1)).filter((i) => i >= 0);
    if (candidates.length === 0) return text;
    const at = pick(candidates);
    all[at] = all[at]!.replace(/:\s*.*$/, `: ${pick(SCALARS)}`);
    return all.join("\n");
  },
  deepNesting(text) {
    const depth = 1 + int(400);
    const value = random() < 0.5 ? `${"[".repeat(depth)}x${"]".repeat(depth)}` : `${"{a: ".repeat(depth)}x${"}".repeat(depth)}`;
    const all = lines(text);
    const candidates = all.map((line, i) => (/^\s*[\w-]+:\s*\S/.test(line) ? i : -1)).filter((i) => i >= 0);
    if (candidates.length === 0) return text;
    const at = pick(candidates);
    all[at] = all[at]!.replace(/:\s*.*$/, `: ${value}`);
    return all.join("\n");
  },
  aliases(text) {
    const count = int(3) === 0 ? 200 : 1 + int(20);
    return `x-anchor: &a [${Array(9).fill("lol").join(", ")}]\n${text.replace(/^spec:/m, `spec:\n  extra: [${Array(count).fill("*a").join(", ")}]`)}`;
  },
  unicode(text) {
    const at = int(text.length);
    return text.slice(0, at) + pick(UNICODE).repeat(1 + int(4)) + text.slice(at);
  },
  indentShift(text) {
    const all = lines(text);
    const at = int(all.length);
    all[at] = " ".repeat(1 + int(5)) + all[at];
    return all.join("\n");
  },
  manyDocuments: (text) => Array(1 + int(40)).fill(text).join("\n---\n"),
  json(text) {
    // The same resources as JSON (an object, an array, or a List), then one JSON-level mutation.
    let values: unknown[];
    try {
      values = parseAllDocuments(text, { logLevel: "silent" }).map((doc) => doc.toJS() as unknown);
    } catch {
      return text; // already mutated past what the library turns into values
    }
    const shape = int(3);
    const json = JSON.stringify(shape === 0 ? values[0] : shape === 1 ? values : { apiVersion: "v1", kind: "List", items: values }) ?? "null";
    const at = int(json.length);
    return pick([
      () => json,
      () => json.slice(0, at),
      () => json.replace(/:(\d+|"[^"]*")/, `:${pick(["1e400", "-", "{}", "[", '"\\ud800"', "null", "true", "[[[[[[]]]]]]"])}`),
      () => json.replace(/"(\w+)":/, '"$1":1,"$1":'),
      () => `${json.slice(0, at)},${json.slice(at)}`,
    ])();
  },
  hugeKey: (text) => text.replace(/^(\s+)(\w+):/m, (_, indent, key) => `${indent}${key}${"k".repeat(int(2) ? 600 : 2000)}:`),
  combined(text) {
    let out: string | Uint8Array = text;
    for (let i = 0, n = 2 + int(3); i < n && typeof out === "string"; i++) out = pick(Object.entries(MUTATIONS).filter(([name]) => name !== "combined"))[1](out);
    return out;
  },
};

let cp: ControlPlane;
beforeAll(async () => {
  // Rollout controllers write weights on their own, in the background: the store checks here are about apply alone.
  cp = await startControlPlane({ withoutDurableObjects: ["ROLLOUTS"] });
});
afterAll(() => cp?.dispose());

async function stored(): Promise<{ revision: number; version: number }> {
  const revisions = (await (await cp.request("/v1/revisions?limit=1")).json()) as { items: { number: number }[] };
  const snapshot = (await (await cp.request("/v1/snapshot")).json()) as { version: number };
  return { revision: revisions.items[0]?.number ?? 0, version: snapshot.version };
}

it(`answers ${TOTAL} mutated documents with no 5xx and no partial store (seed ${SEED})`, { timeout: 300_000 }, async () => {
  const cases = Array.from({ length: TOTAL }, (_, index) => {
    const [name, mutate] = pick(Object.entries(MUTATIONS));
    return { index, name, body: mutate(pick(seeds)) };
  });
  const byStatus = new Map<number, number>();
  const byMutation = new Map<string, Map<number, number>>();
  const failures: string[] = [];
  const count = (name: string, status: number) => {
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    const m = byMutation.get(name) ?? new Map<number, number>();
    m.set(status, (m.get(status) ?? 0) + 1);
    byMutation.set(name, m);
  };
  const send = async (c: (typeof cases)[number], dryRun: boolean) => {
    const body = typeof c.body === "string" ? new TextEncoder().encode(c.body) : c.body;
    const response = await cp.request(`/v1/apply${dryRun ? "?dryRun=true" : ""}`, { method: "POST", headers: { "content-type": "application/yaml" }, body });
    const text = await response.text();
    count(c.name, response.status);
    if (response.status >= 500) failures.push(`#${c.index} ${c.name} -> ${response.status} ${text.slice(0, 200)}`);
    return response.status;
  };
  const started = Date.now();

  // Dry runs, concurrently in small batches: nothing may be stored at all.
  const dry = cases.filter((c) => c.index % REAL_EVERY !== 0);
  const before = await stored();
  for (let i = 0; i < dry.length; i += BATCH) await Promise.all(dry.slice(i, i + BATCH).map((c) => send(c, true)));
  expect(await stored(), "a dry run stored something").toEqual(before);
  const dryMs = Date.now() - started;

  // Real applies, one at a time: the store moves only on a 2xx, and then by one revision at most.
  let partial = 0;
  for (const c of cases.filter((c) => c.index % REAL_EVERY === 0)) {
    const was = await stored();
    const status = await send(c, false);
    const now = await stored();
    const moved = now.revision !== was.revision || now.version !== was.version;
    if ((status < 200 || status >= 300) && moved) {
      partial++;
      failures.push(`#${c.index} ${c.name} -> ${status} but the store moved ${JSON.stringify(was)} -> ${JSON.stringify(now)}`);
    }
    if (now.revision - was.revision > 1) failures.push(`#${c.index} ${c.name}: one apply made ${now.revision - was.revision} revisions`);
  }
  const elapsed = Date.now() - started;

  const totals = [...byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(", ");
  const perMutation = [...byMutation].map(([name, statuses]) => `  ${name.padEnd(16)} ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(" ")}`);
  process.stdout.write(
    `apply fuzz (seed ${SEED}): ${TOTAL} requests (${dry.length} dry runs in batches of ${BATCH}, ${TOTAL - dry.length} real applies checked one by one) ` +
      `in ${(elapsed / 1000).toFixed(1)} s (dry runs ${(dryMs / 1000).toFixed(1)} s); answers ${totals}; 5xx ${failures.length - partial}, partial stores ${partial}\n${perMutation.join("\n")}\n`,
  );
  expect(failures).toEqual([]);
  expect(byStatus.get(200) ?? 0, "some mutations must still be valid (else the fuzz tests only the parser)").toBeGreaterThan(0);
});
