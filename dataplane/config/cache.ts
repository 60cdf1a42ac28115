import { LAST_KNOWN_GOOD_KEY } from "../../contracts/snapshot/last-known-good.ts";
import { SingleFlight } from "../single-flight.ts";
import { ControlPlaneUnreachableError, type SnapshotSource } from "./source.ts";

/** The part of a snapshot the cache itself needs; the rest is the compiler's business. */
export interface VersionedSnapshot {
  version: number;
  /** The control plane's epoch: a snapshot of another epoch replaces ours even at a lower version (see `supersedes`). */
  epoch?: string;
}

/** The slice of a KV namespace the last-known-good snapshot is read from (the control plane writes it). */
export interface SnapshotStore {
  get(key: string): Promise<string | null>;
}

/** What a request sees: the snapshot, its derived indexes, and whether it may be outdated. */
export interface ConfigView<S, T> {
  snapshot: S;
  compiled: T;
  /** True when serving last-known-good because the control plane could not be reached. */
  stale: boolean;
}

/** Counters about config distribution, read by telemetry. */
export interface ConfigStats {
  pulls: number;
  pullFailures: number;
  /** Snapshots refused by validation or hash check. */
  rejected: number;
  applied: number;
  /** Requests answered while stale. */
  staleServes: number;
  /** Cold starts that began from the KV copy. */
  storeLoads: number;
}

export interface SnapshotCacheOptions<S extends VersionedSnapshot, T> {
  source: SnapshotSource;
  /** KV namespace holding last-known-good (binding `ISTHMUS_SNAPSHOTS`), read on a cold start only. */
  store?: SnapshotStore;
  /** Revalidate once the last check is older than this many ms (default 1000). */
  refreshMs?: number;
  /** Validates a raw snapshot (schema and hash); throws to refuse it. */
  accept(raw: unknown): Promise<S>;
  /** Derives the indexes a request needs; called once per applied version. */
  compile(snapshot: S): T;
  /**
   * Keep revalidating every `refreshMs` in the background while the last request is at
   * most this old (default 15 000 ms), so an isolate that served traffic recently routes
   * its next request by fresh config, not only the one after it.
   */
  activeMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** One background refresh loop stays within a waitUntil budget (30 s on Cloudflare). */
const LOOP_BUDGET_MS = 25_000;


/** Raised when an isolate has no snapshot at all: neither the control plane nor KV had one. */
export class NoSnapshotError extends Error {
  readonly code = "no_snapshot";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NoSnapshotError";
  }
}

export const STORE_KEY = LAST_KNOWN_GOOD_KEY;

/** Epochs an isolate remembers having left; a wipe is rare, so a few cover any realistic run. */
const RETIRED_EPOCHS = 8;

/**
 * Module-scope snapshot cache of one isolate: the first request waits for a snapshot;
 * afterwards requests never wait — a request starts a refresh loop in `waitUntil` that
 * revalidates once the last check is `refreshMs` old and then every `refreshMs` while
 * requests keep arriving (`activeMs`). A snapshot that fails `accept` is never applied;
 * an unreachable control plane leaves the last-known-good in place, flagged stale. Versions
 * only go forward: never lower in one epoch, never back to an epoch once left (a lagging
 * location cache cannot undo a control-plane wipe).
 */
export class SnapshotCache<S extends VersionedSnapshot, T> {
  readonly stats: ConfigStats = {
    pulls: 0,
    pullFailures: 0,
    rejected: 0,
    applied: 0,
    staleServes: 0,
    storeLoads: 0,
  };
  private view: ConfigView<S, T> | undefined;
  /** Epochs this isolate has moved on from (newest last). */
  private readonly retiredEpochs: string[] = [];
  private lastCheck = 0;
  private lastRequest = 0;
  private refreshing: number | undefined;
  /** The pull in flight: requests and the refresh loop share it (single flight per isolate). */
  /** The pull and the cold start in flight, shared by the requests that arrive meanwhile. */
  private readonly flights: SingleFlight<"pull" | "cold-start", void>;
  private readonly refreshMs: number;
  private readonly abandonMs: number;
  private readonly activeMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: SnapshotCacheOptions<S, T>) {
    this.refreshMs = options.refreshMs ?? 1000;
    this.abandonMs = Math.max(5000, 5 * this.refreshMs);
    this.activeMs = options.activeMs ?? 15_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.flights = new SingleFlight(this.abandonMs, this.now);
  }

  /** The config for this request. */
  async current(waitUntil: (promise: Promise<unknown>) => void): Promise<ConfigView<S, T>> {
    if (!this.view) {
      // Concurrent first requests wait for one cold start, not one pull each.
      await this.flights.run("cold-start", () => this.coldStart());
    }
    return this.ready(waitUntil)!;
  }

  /**
   * The config for this request without waiting, once the isolate has one (as `current`);
   * undefined before the first load, when only `current` can answer.
   */
  ready(waitUntil: (promise: Promise<unknown>) => void): ConfigView<S, T> | undefined {
    if (!this.view) return undefined;
    this.lastRequest = this.now();
    if (!this.refreshLoopRunning()) {
      this.refreshing = this.now();
      waitUntil(this.keepFresh().finally(() => (this.refreshing = undefined)));
    }
    const view = this.view!;
    if (view.stale) this.stats.staleServes++;
    return view;
  }

  /** Epoch of the snapshot applied now, if it has one. */
  get epoch(): string | undefined {
    return this.view?.snapshot.epoch;
  }

  /** Version applied now, or 0 before the first load. */
  get version(): number {
    return this.view?.snapshot.version ?? 0;
  }

  /** True while serving last-known-good because the control plane could not be reached (telemetry). */
  get stale(): boolean {
    return this.view?.stale ?? false;
  }

  /** Epoch ms of the last check with the control plane, 0 before any (telemetry's push age). */
  get lastCheckAt(): number {
    return this.lastCheck;
  }

  // A loop whose request was torn down never settles: do not wait on it past its budget.
  // A live loop checks every refreshMs; one that has not for abandonMs more is stuck on a pull
  // that will never settle.
  private refreshLoopRunning(): boolean {
    if (this.refreshing === undefined) return false;
    const now = this.now();
    return now - this.refreshing < LOOP_BUDGET_MS + this.abandonMs && now - Math.max(this.lastCheck, this.refreshing) < this.refreshMs + this.abandonMs;
  }

  /** Revalidates whenever the last check is `refreshMs` old, while requests keep coming, within the loop budget. */
  private async keepFresh(): Promise<void> {
    const started = this.now();
    for (;;) {
      const due = this.lastCheck + this.refreshMs - this.now();
      if (due > 0) {
        if (this.now() + due - started > LOOP_BUDGET_MS || this.now() + due - this.lastRequest > this.activeMs) return;
        await this.sleep(due);
      }
      // Never wait longer than abandonMs on a pull: the next turn replaces one that hung.
      await Promise.race([this.revalidate(), this.sleep(this.abandonMs)]);
    }
  }

  private async coldStart(): Promise<void> {
    try {
      await this.revalidate(true);
      if (this.view) return;
    } catch (error) {
      if (this.view) return;
      const stored = await this.fromStore();
      if (stored) return;
      throw new NoSnapshotError("no snapshot: control plane unreachable and no last-known-good", { cause: error });
    }
    if (!(await this.fromStore())) throw new NoSnapshotError("no snapshot: the control plane has none yet");
  }

  private async fromStore(): Promise<boolean> {
    if (!this.options.store) return false;
    try {
      const text = await this.options.store.get(STORE_KEY);
      if (!text) return false;
      const snapshot = await this.options.accept(JSON.parse(text));
      if (this.view && !this.supersedes(snapshot, this.view.snapshot)) return true;
      this.apply(snapshot, true);
      this.stats.storeLoads++;
      return true;
    } catch {
      this.stats.rejected++;
      return false;
    }
  }

  /** One pull at a time per isolate: a caller arriving while one is in flight shares its outcome (see SingleFlight). */
  private revalidate(throwOnFailure = false): Promise<void> {
    return this.flights.run("pull", () => this.pull(throwOnFailure));
  }

  private async pull(throwOnFailure: boolean): Promise<void> {
    this.stats.pulls++;
    let raw: unknown;
    try {
      const held = this.view?.snapshot;
      raw = await this.options.source.pull(held ? { version: held.version, ...(held.epoch ? { epoch: held.epoch } : {}) } : { version: 0 });
    } catch (error) {
      this.stats.pullFailures++;
      this.lastCheck = this.now();
      if (this.view) this.view = { ...this.view, stale: true };
      if (throwOnFailure) throw error;
      return;
    }
    this.lastCheck = this.now();
    if (raw === null || raw === undefined) {
      if (this.view?.stale) this.view = { ...this.view, stale: false };
      return;
    }
    let snapshot: S;
    try {
      snapshot = await this.options.accept(raw);
    } catch (error) {
      // The control plane answered, but with something we refuse to run: keep what we have.
      this.stats.rejected++;
      if (this.view) this.view = { ...this.view, stale: true };
      if (throwOnFailure) throw new ControlPlaneUnreachableError("snapshot refused", { cause: error });
      return;
    }
    if (this.view && !this.supersedes(snapshot, this.view.snapshot)) {
      if (this.view.stale) this.view = { ...this.view, stale: false };
      return;
    }
    this.apply(snapshot, false);
  }

  private apply(snapshot: S, stale: boolean): void {
    const left = this.view?.snapshot.epoch;
    // Only a move to another epoch leaves one (a wipe); a snapshot without one comes from a
    // control plane rolled back to before epochs, which counts on from the same storage.
    if (left !== undefined && snapshot.epoch !== undefined && left !== snapshot.epoch && !this.retiredEpochs.includes(left)) {
      this.retiredEpochs.push(left);
      if (this.retiredEpochs.length > RETIRED_EPOCHS) this.retiredEpochs.shift();
    }
    this.view = { snapshot, compiled: this.options.compile(snapshot), stale };
    this.stats.applied++;
  }

  /**
   * Whether `next` replaces `held`. The rule, in order:
   * 1. never an epoch this isolate left behind (a lagging source cannot undo a wipe);
   * 2. any version of another epoch, when both carry one (the control plane's state was
   *    wiped and counts again from 1);
   * 3. otherwise a higher version only: same epoch, or either without one, since a snapshot
   *    without an epoch proves no wipe (it predates epochs, or comes from a control plane
   *    rolled back to before them, on the same version count), as `isNewer` compares a bare
   *    `since` on the control plane.
   * So a pair never replaces each other both ways, except across epochs, where rule 1 stops
   * the return.
   */
  private supersedes(next: VersionedSnapshot, held: VersionedSnapshot): boolean {
    if (next.epoch !== undefined && this.retiredEpochs.includes(next.epoch)) return false;
    if (next.epoch !== undefined && held.epoch !== undefined && next.epoch !== held.epoch) return true;
    return next.version > held.version;
  }
}
