import { describe, expect, it } from "vitest";
import { NoSnapshotError, STORE_KEY, SnapshotCache, type SnapshotStore } from "./cache.ts";
import { ControlPlaneUnreachableError, type SnapshotSource } from "./source.ts";

interface Snap {
  version: number;
  ok?: boolean;
}

/** A control plane stand-in whose current snapshot and reachability the test sets. */
function controlPlane() {
  const state = { current: { version: 1 } as Snap | null, down: false, pulls: 0 };
  const source: SnapshotSource = {
    async pull(since) {
      state.pulls++;
      if (state.down) throw new ControlPlaneUnreachableError("down");
      return state.current && state.current.version > since ? state.current : null;
    },
  };
  return { state, source };
}

function memoryStore(): SnapshotStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, get: async (k) => data.get(k) ?? null, put: async (k, v) => void data.set(k, v) };
}

async function accept(raw: unknown): Promise<Snap> {
  const snap = raw as Snap;
  if (typeof snap?.version !== "number" || snap.ok === false) throw new Error("invalid");
  return snap;
}

function setup(store?: SnapshotStore) {
  let clock = 1_000_000;
  const cp = controlPlane();
  let compiles = 0;
  const cache = new SnapshotCache<Snap, string>({
    source: cp.source,
    store,
    refreshMs: 1000,
    accept,
    compile: (s) => {
      compiles++;
      return `compiled-${s.version}`;
    },
    now: () => clock,
  });
  const pending: Promise<unknown>[] = [];
  const waitUntil = (p: Promise<unknown>) => void pending.push(p);
  const settle = async () => {
    while (pending.length) await pending.shift();
  };
  return {
    cp,
    cache,
    waitUntil,
    settle,
    advance: (ms: number) => (clock += ms),
    compiles: () => compiles,
  };
}

describe("SnapshotCache", () => {
  it("waits for the first load, then revalidates only in waitUntil after refresh", async () => {
    const t = setup();
    const first = await t.cache.current(t.waitUntil);
    expect(first.compiled).toBe("compiled-1");
    expect(t.cp.state.pulls).toBe(1);
    t.cp.state.current = { version: 2 };
    t.advance(500);
    expect((await t.cache.current(t.waitUntil)).snapshot.version).toBe(1);
    expect(t.cp.state.pulls).toBe(1);
    t.advance(600);
    // Past refresh: this request is still answered from the old snapshot; the pull runs beside it.
    expect((await t.cache.current(t.waitUntil)).snapshot.version).toBe(1);
    await t.settle();
    expect(t.cp.state.pulls).toBe(2);
    expect((await t.cache.current(t.waitUntil)).compiled).toBe("compiled-2");
    expect(t.compiles()).toBe(2);
  });

  it("keeps last-known-good, flagged stale, while the control plane is down", async () => {
    const t = setup();
    await t.cache.current(t.waitUntil);
    t.cp.state.down = true;
    t.advance(1500);
    await t.cache.current(t.waitUntil);
    await t.settle();
    const view = await t.cache.current(t.waitUntil);
    expect(view.stale).toBe(true);
    expect(view.snapshot.version).toBe(1);
    expect(t.cache.stats.staleServes).toBeGreaterThan(0);
    t.cp.state.down = false;
    t.advance(1500);
    await t.cache.current(t.waitUntil);
    await t.settle();
    expect((await t.cache.current(t.waitUntil)).stale).toBe(false);
  });

  it("never applies a snapshot that fails validation", async () => {
    const t = setup();
    await t.cache.current(t.waitUntil);
    t.cp.state.current = { version: 5, ok: false };
    t.advance(1500);
    await t.cache.current(t.waitUntil);
    await t.settle();
    const view = await t.cache.current(t.waitUntil);
    expect(view.snapshot.version).toBe(1);
    expect(t.cache.stats.rejected).toBe(1);
  });

  it("persists to the store and starts a cold isolate from it when the control plane is down", async () => {
    const store = memoryStore();
    const warm = setup(store);
    await warm.cache.current(warm.waitUntil);
    await warm.settle();
    expect(JSON.parse(store.data.get(STORE_KEY)!)).toEqual({ version: 1 });

    const cold = setup(store);
    cold.cp.state.down = true;
    const view = await cold.cache.current(cold.waitUntil);
    expect(view.snapshot.version).toBe(1);
    expect(view.stale).toBe(true);
    expect(cold.cache.stats.storeLoads).toBe(1);
  });

  it("fails the first request when there is no snapshot anywhere", async () => {
    const t = setup(memoryStore());
    t.cp.state.down = true;
    await expect(t.cache.current(t.waitUntil)).rejects.toBeInstanceOf(NoSnapshotError);
  });
});
