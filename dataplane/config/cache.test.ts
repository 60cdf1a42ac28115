import { describe, expect, it } from "vitest";
import { NoSnapshotError, STORE_KEY, SnapshotCache, type SnapshotStore } from "./cache.ts";
import { ControlPlaneUnreachableError, type SnapshotSource } from "./source.ts";
import { isNewer, type SnapshotSince } from "../../contracts/snapshot/since.ts";

interface Snap {
  version: number;
  epoch?: string;
  ok?: boolean;
}

/** A control plane stand-in whose current snapshot and reachability the test sets. */
function controlPlane() {
  const state = { current: { version: 1 } as Snap | null, down: false, pulls: 0, asked: [] as SnapshotSince[], ignoreSince: false };
  const source: SnapshotSource = {
    async pull(since) {
      state.pulls++;
      state.asked.push(since);
      if (state.down) throw new ControlPlaneUnreachableError("down");
      return state.current && (state.ignoreSince || isNewer(state.current, since)) ? state.current : null;
    },
  };
  return { state, source };
}

function memoryStore(): SnapshotStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, get: async (k) => data.get(k) ?? null };
}

async function accept(raw: unknown): Promise<Snap> {
  const snap = raw as Snap;
  if (typeof snap?.version !== "number" || snap.ok === false) throw new Error("invalid");
  return snap;
}

/** A cache on a clock the test moves; background sleeps wake when the clock passes them. */
function setup(store?: SnapshotStore) {
  let clock = 1_000_000;
  const sleepers: { at: number; wake: () => void }[] = [];
  const cp = controlPlane();
  let compiles = 0;
  const cache = new SnapshotCache<Snap, string>({
    source: cp.source,
    store,
    refreshMs: 1000,
    activeMs: 5000,
    accept,
    compile: (s) => {
      compiles++;
      return `compiled-${s.version}`;
    },
    now: () => clock,
    sleep: (ms) => new Promise((wake) => sleepers.push({ at: clock + ms, wake })),
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
  const waitUntil = () => undefined;
  return {
    cp,
    cache,
    waitUntil,
    request: () => cache.current(waitUntil),
    async advance(ms: number) {
      clock += ms;
      for (const sleeper of sleepers.splice(0).filter((s) => (s.at <= clock ? (s.wake(), false) : true))) sleepers.push(sleeper);
      await settle();
    },
    compiles: () => compiles,
  };
}

describe("SnapshotCache", () => {
  it("waits for the first load, then revalidates in the background every refresh", async () => {
    const t = setup();
    expect((await t.request()).compiled).toBe("compiled-1");
    expect(t.cp.state.pulls).toBe(1);
    t.cp.state.current = { version: 2 };
    await t.advance(500);
    expect((await t.request()).snapshot.version).toBe(1);
    expect(t.cp.state.pulls).toBe(1);
    await t.advance(600);
    // The pull ran beside the requests, not in one.
    expect(t.cp.state.pulls).toBe(2);
    expect((await t.request()).compiled).toBe("compiled-2");
    expect(t.compiles()).toBe(2);
  });

  it("pulls once for many concurrent first requests, and at most once per refresh under load", async () => {
    const t = setup();
    const views = await Promise.all(Array.from({ length: 20 }, () => t.request()));
    expect(views.every((v) => v.compiled === "compiled-1")).toBe(true);
    expect(t.cp.state.pulls).toBe(1);
    for (let i = 0; i < 30; i++) {
      await Promise.all(Array.from({ length: 10 }, () => t.request()));
      await t.advance(100);
    }
    // 3 s of steady requests: one revalidation per refresh interval, not one per request.
    expect(t.cp.state.pulls).toBeGreaterThanOrEqual(3);
    expect(t.cp.state.pulls).toBeLessThanOrEqual(4);
  });

  it("does not wait forever on a pull that another request started and never finished", async () => {
    const t = setup();
    await t.request();
    // The next pull hangs, as one does when the request whose waitUntil ran it is torn down.
    let hung = 0;
    const pull = t.cp.source.pull;
    t.cp.source.pull = (since) => (hung++ === 0 ? new Promise(() => {}) : pull(since));
    t.cp.state.current = { version: 2 };
    await t.advance(1000);
    expect(hung).toBe(1);
    expect((await t.request()).compiled).toBe("compiled-1");
    // Past the abandon bound (5 × refresh, at least 5 s) a fresh pull replaces the hung one.
    for (let i = 0; i < 8; i++) {
      await t.advance(1000);
      await t.request();
    }
    expect(hung).toBeGreaterThan(1);
    expect((await t.request()).compiled).toBe("compiled-2");
  });

  it("does not wait forever on a cold start that another request began and never finished", async () => {
    const t = setup();
    let hung = 0;
    const pull = t.cp.source.pull;
    t.cp.source.pull = (since) => (hung++ === 0 ? new Promise(() => {}) : pull(since));
    void t.request();
    await t.advance(6000);
    expect((await t.request()).compiled).toBe("compiled-1");
  });

  it("stops revalidating once no request came for activeMs, and resumes with the next request", async () => {
    const t = setup();
    await t.request();
    for (let i = 0; i < 8; i++) await t.advance(1000);
    const pullsWhenIdle = t.cp.state.pulls;
    expect(pullsWhenIdle).toBeGreaterThanOrEqual(5);
    expect(pullsWhenIdle).toBeLessThanOrEqual(7);
    for (let i = 0; i < 5; i++) await t.advance(1000);
    expect(t.cp.state.pulls).toBe(pullsWhenIdle);
    await t.request(); // the last check is old: revalidates at once, beside this request
    await t.advance(0);
    expect(t.cp.state.pulls).toBe(pullsWhenIdle + 1);
  });

  it("keeps last-known-good, flagged stale, while the control plane is down", async () => {
    const t = setup();
    await t.request();
    t.cp.state.down = true;
    await t.advance(1100);
    const view = await t.request();
    expect(view.stale).toBe(true);
    expect(view.snapshot.version).toBe(1);
    expect(t.cache.stats.staleServes).toBeGreaterThan(0);
    t.cp.state.down = false;
    await t.advance(1100);
    expect((await t.request()).stale).toBe(false);
  });

  it("never applies a snapshot that fails validation", async () => {
    const t = setup();
    await t.request();
    t.cp.state.current = { version: 5, ok: false };
    await t.advance(1100);
    const view = await t.request();
    expect(view.snapshot.version).toBe(1);
    expect(t.cache.stats.rejected).toBeGreaterThanOrEqual(1);
  });

  it("starts a cold isolate from the store when the control plane is down, and never writes the store itself", async () => {
    const store = memoryStore();
    const warm = setup(store);
    await warm.request();
    await warm.advance(1100);
    // The control plane writes last-known-good once per version; isolates only read it.
    expect(store.data.size).toBe(0);
    store.data.set(STORE_KEY, JSON.stringify({ version: 1 }));

    const cold = setup(store);
    cold.cp.state.down = true;
    const view = await cold.request();
    expect(view.snapshot.version).toBe(1);
    expect(view.stale).toBe(true);
    expect(cold.cache.stats.storeLoads).toBe(1);
  });

  it("fails the first request when there is no snapshot anywhere", async () => {
    const t = setup(memoryStore());
    t.cp.state.down = true;
    await expect(t.request()).rejects.toBeInstanceOf(NoSnapshotError);
  });

  it("takes the snapshot of a new epoch at a lower version (control plane wiped), and nothing lower of its own epoch", async () => {
    const store = memoryStore();
    const t = setup(store);
    t.cp.state.current = { version: 9, epoch: "old" };
    expect((await t.request()).snapshot).toEqual({ version: 9, epoch: "old" });
    t.cp.state.current = { version: 2, epoch: "new" };
    await t.advance(1100);
    expect(t.cp.state.asked.at(-1)).toEqual({ version: 9, epoch: "old" });
    expect((await t.request()).snapshot).toEqual({ version: 2, epoch: "new" });
    // A lagging source (a location cache) offering the epoch left behind is not followed back.
    t.cp.state.ignoreSince = true;
    t.cp.state.current = { version: 12, epoch: "old" };
    await t.advance(1100);
    expect((await t.request())).toMatchObject({ snapshot: { version: 2, epoch: "new" }, stale: false });
    t.cp.state.ignoreSince = false;
    // Within one epoch versions only go up, even from a source that answers regardless.
    t.cp.state.ignoreSince = true;
    t.cp.state.current = { version: 1, epoch: "new" };
    await t.advance(1100);
    expect((await t.request()).snapshot).toEqual({ version: 2, epoch: "new" });
  });

  it("takes a snapshot without an epoch only at a higher version: it proves no wipe", async () => {
    const t = setup();
    t.cp.state.ignoreSince = true; // a lagging source: a location cache or last-known-good written before epochs
    t.cp.state.current = { version: 9, epoch: "e1" };
    expect((await t.request()).snapshot).toEqual({ version: 9, epoch: "e1" });
    t.cp.state.current = { version: 3 };
    await t.advance(1100);
    expect(await t.request()).toMatchObject({ snapshot: { version: 9, epoch: "e1" }, stale: false });
    // A control plane rolled back to a release before epochs counts on from the same storage.
    t.cp.state.current = { version: 10 };
    await t.advance(1100);
    expect((await t.request()).snapshot).toEqual({ version: 10 });
    // Rolled forward again, it serves its stored epoch: not one this isolate left by a wipe.
    t.cp.state.current = { version: 11, epoch: "e1" };
    await t.advance(1100);
    expect((await t.request()).snapshot).toEqual({ version: 11, epoch: "e1" });
    t.cp.state.current = { version: 10 };
    await t.advance(1100);
    expect((await t.request()).snapshot).toEqual({ version: 11, epoch: "e1" });
  });
});
