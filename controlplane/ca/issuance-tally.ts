// Credentials issued per identity, counted in memory and written together. A storage write
// per credential was the largest cost of a JWT-SVID through the REST API (its commit, outside
// the isolate's JavaScript): ~2,000/s without it against ~1,000/s with it on the bench.
// Counts reach storage within `delayMs`, or at once when they are read.
import type { IssuedKind } from "./store";

/** One identity's issuances of one kind since the last write. */
export interface IssuanceCount {
  spiffeId: string;
  kind: IssuedKind;
  count: number;
  lastAt: number;
}

export class IssuanceTally {
  private readonly pending = new Map<string, IssuanceCount>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly write: (counts: IssuanceCount[]) => void,
    private readonly delayMs = 1000,
  ) {}

  /** Counts one credential; the first since a write schedules the next write. */
  add(spiffeId: string, kind: IssuedKind, now: number): void {
    const key = `${kind} ${spiffeId}`;
    const entry = this.pending.get(key);
    if (entry) {
      entry.count += 1;
      entry.lastAt = Math.max(entry.lastAt, now);
    } else this.pending.set(key, { spiffeId, kind, count: 1, lastAt: now });
    // A pending timer also keeps a Durable Object from hibernating before the write.
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Writes what is pending now (before any read of the counts). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const counts = [...this.pending.values()];
    this.pending.clear();
    this.write(counts);
  }
}
