import { LAST_KNOWN_GOOD_KEY } from "../../contracts/snapshot/last-known-good.ts";
import type { Snapshot } from "../../contracts/snapshot/schema.ts";

/** The slice of a KV namespace the control plane writes the last-known-good snapshot to. */
export interface LastKnownGoodStore {
  put(key: string, value: string): Promise<void>;
}

/**
 * Writes the last-known-good snapshot to KV from the control plane, once per version rather
 * than once per data-plane isolate. KV takes about one write per second to a key, so
 * versions that arrive faster are coalesced: the write after a gap carries the latest.
 */
export class LastKnownGoodWriter {
  private written: string | undefined;
  private writtenAt = Number.NEGATIVE_INFINITY;
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: LastKnownGoodStore | undefined,
    private readonly snapshot: () => Promise<Snapshot>,
    private readonly gapMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new version exists: write it now, or as soon as the key's write gap has passed. */
  changed(): void {
    if (!this.store || this.pending) return;
    const wait = Math.max(0, this.writtenAt + this.gapMs - this.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.write();
    }, wait);
  }

  private async write(): Promise<void> {
    try {
      const snapshot = await this.snapshot();
      const name = `${snapshot.epoch ?? ""}:${snapshot.version}`;
      if (name === this.written) return;
      this.writtenAt = this.now();
      await this.store!.put(LAST_KNOWN_GOOD_KEY, JSON.stringify(snapshot));
      this.written = name;
    } catch {
      // KV refused or the compile failed: data planes keep the previous copy; the next version retries.
    }
  }
}
