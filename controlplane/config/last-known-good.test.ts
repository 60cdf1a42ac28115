import { describe, expect, it } from "vitest";
import type { Snapshot } from "../../contracts/snapshot/schema.ts";
import { LAST_KNOWN_GOOD_KEY } from "../../contracts/snapshot/last-known-good.ts";
import { LastKnownGoodWriter } from "./last-known-good.ts";

const GAP_MS = 60;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A writer over a store that records its writes, for a control plane whose version the test moves. */
function setup() {
  const state = { version: 1, refuse: false, writes: [] as { key: string; version: number; at: number }[] };
  const store = {
    async put(key: string, value: string) {
      if (state.refuse) throw new Error("429 too many requests");
      state.writes.push({ key, version: (JSON.parse(value) as Snapshot).version, at: Date.now() });
    },
  };
  const writer = new LastKnownGoodWriter(store, async () => ({ version: state.version, epoch: "e1" }) as Snapshot, GAP_MS);
  return { state, writer };
}

describe("LastKnownGoodWriter", () => {
  it("writes a burst of versions as the latest, at most once per gap", async () => {
    const { state, writer } = setup();
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      state.version++;
      writer.changed();
      await sleep(5);
    }
    const burstMs = Date.now() - started;
    await sleep(2 * GAP_MS);
    expect(state.writes.at(-1)).toMatchObject({ key: LAST_KNOWN_GOOD_KEY, version: 21 });
    // One write at once, then at most one per gap: far fewer than the 20 versions.
    expect(state.writes.length).toBeLessThanOrEqual(Math.ceil(burstMs / GAP_MS) + 2);
    expect(state.writes.length).toBeLessThan(20);
    for (let i = 1; i < state.writes.length; i++) expect(state.writes[i]!.at - state.writes[i - 1]!.at).toBeGreaterThanOrEqual(GAP_MS - 5);
  });

  it("does not write the same version twice, and retries a refused write with the next change", async () => {
    const { state, writer } = setup();
    writer.changed();
    await sleep(10);
    writer.changed();
    await sleep(GAP_MS + 20);
    expect(state.writes.map((write) => write.version)).toEqual([1]);

    state.refuse = true;
    state.version = 2;
    writer.changed();
    await sleep(GAP_MS + 20);
    expect(state.writes.map((write) => write.version)).toEqual([1]);
    state.refuse = false;
    writer.changed();
    await sleep(GAP_MS + 20);
    expect(state.writes.map((write) => write.version)).toEqual([1, 2]);
  });

  it("does nothing without a KV binding", async () => {
    let asked = 0;
    const writer = new LastKnownGoodWriter(undefined, async () => (asked++, { version: 1 }) as Snapshot);
    writer.changed();
    await sleep(10);
    expect(asked).toBe(0);
  });
});
