import { ControlPlaneUnreachableError, type SnapshotSource } from "./source.ts";

/** The part of a snapshot the cache itself needs; the rest is the compiler's business. */
export interface VersionedSnapshot {
  version: number;
}

/** The slice of a KV namespace used to keep the last-known-good snapshot. */
export interface SnapshotStore {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
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
  /** KV namespace for last-known-good (binding `ISTHMUS_SNAPSHOTS`). */
  store?: SnapshotStore;
  /** Revalidate once the last check is older than this many ms (default 1000). */
  refreshMs?: number;
  /** Validates a raw snapshot (schema and hash); throws to refuse it. */
  accept(raw: unknown): Promise<S>;
  /** Derives the indexes a request needs; called once per applied version. */
  compile(snapshot: S): T;
  now?: () => number;
}

/** Raised when an isolate has no snapshot at all: neither the control plane nor KV had one. */
export class NoSnapshotError extends Error {
  readonly code = "no_snapshot";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NoSnapshotError";
  }
}

export const STORE_KEY = "snapshot/latest";

/**
 * Module-scope snapshot cache of one isolate: the first request waits for a snapshot;
 * afterwards requests never wait — once the last check is older than `refreshMs` one
 * request starts a revalidation in `waitUntil`. A snapshot that fails `accept` is never
 * applied; an unreachable control plane leaves the last-known-good in place, flagged stale.
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
  private lastCheck = 0;
  private revalidating: number | undefined;
  private readonly refreshMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SnapshotCacheOptions<S, T>) {
    this.refreshMs = options.refreshMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The config for this request. */
  async current(waitUntil: (promise: Promise<unknown>) => void): Promise<ConfigView<S, T>> {
    if (!this.view) await this.coldStart(waitUntil);
    if (this.now() - this.lastCheck >= this.refreshMs && !this.revalidationInFlight()) {
      this.revalidating = this.now();
      waitUntil(this.revalidate(waitUntil).finally(() => (this.revalidating = undefined)));
    }
    const view = this.view!;
    if (view.stale) this.stats.staleServes++;
    return view;
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

  // A revalidation whose request was torn down never settles: stop waiting on it after a while.
  private revalidationInFlight(): boolean {
    return this.revalidating !== undefined && this.now() - this.revalidating < Math.max(5000, 5 * this.refreshMs);
  }

  private async coldStart(waitUntil: (promise: Promise<unknown>) => void): Promise<void> {
    try {
      await this.revalidate(waitUntil, true);
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
      if (this.view && this.view.snapshot.version >= snapshot.version) return true;
      this.apply(snapshot, true);
      this.stats.storeLoads++;
      return true;
    } catch {
      this.stats.rejected++;
      return false;
    }
  }

  private async revalidate(waitUntil: (promise: Promise<unknown>) => void, throwOnFailure = false): Promise<void> {
    this.stats.pulls++;
    let raw: unknown;
    try {
      raw = await this.options.source.pull(this.view ? this.view.snapshot.version : 0);
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
    if (this.view && snapshot.version <= this.view.snapshot.version) {
      if (this.view.stale) this.view = { ...this.view, stale: false };
      return;
    }
    this.apply(snapshot, false);
    const store = this.options.store;
    if (store) waitUntil(store.put(STORE_KEY, JSON.stringify(raw)).catch(() => undefined));
  }

  private apply(snapshot: S, stale: boolean): void {
    this.view = { snapshot, compiled: this.options.compile(snapshot), stale };
    this.stats.applied++;
  }
}
