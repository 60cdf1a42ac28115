/**
 * Proof identifiers (`jti`) seen by this isolate, each kept until the end of its validity
 * window. Isolates do not share it: a proof replayed to another isolate within the window
 * is not caught here (see docs/SECURITY.md).
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly capacity = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records `jti` until `expiresAtMs`; false when it was already recorded (a replay). */
  remember(jti: string, expiresAtMs: number): boolean {
    const now = this.now();
    const known = this.seen.get(jti);
    if (known !== undefined && known >= now) return false;
    this.sweep(now);
    // Full of live entries: the oldest go first (they expire first, as windows are equal).
    while (this.seen.size >= this.capacity) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(jti, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(now: number): void {
    for (const [jti, expiresAt] of this.seen) {
      if (expiresAt >= now) break;
      this.seen.delete(jti);
    }
  }
}
