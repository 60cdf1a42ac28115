import { parseDuration } from "../../resources/duration.ts";

/** Retry budget settings: retries may be at most `percent` of requests plus a floor. */
export interface RetryBudgetSettings {
  /** Share of recent requests that may be retries, in percent (default 20). */
  percent?: number;
  /** Retries always allowed per second regardless of traffic (default 10). */
  minRetriesPerSecond?: number;
  /** Sliding window length in milliseconds (default 10 000). */
  windowMs?: number;
}

const BUCKETS = 10;

/**
 * A retry budget (like Linkerd's and Envoy's): over a sliding window, retries may not exceed
 * `percent` % of the requests seen plus `minRetriesPerSecond` × window seconds, so that
 * when a destination fails, retries add at most that fraction of load instead of
 * multiplying an outage. One instance per destination, in module state; time is injected.
 */
export class RetryBudget {
  private readonly ratio: number;
  private readonly floor: number;
  private readonly bucketMs: number;
  private readonly requests = new Array<number>(BUCKETS).fill(0);
  private readonly retries = new Array<number>(BUCKETS).fill(0);
  private bucketStart = new Array<number>(BUCKETS).fill(-1);

  constructor(
    settings: RetryBudgetSettings = {},
    private readonly clock: () => number = Date.now,
  ) {
    const windowMs = settings.windowMs ?? 10_000;
    this.ratio = (settings.percent ?? 20) / 100;
    this.floor = (settings.minRetriesPerSecond ?? 10) * (windowMs / 1000);
    this.bucketMs = windowMs / BUCKETS;
  }

  /** Counts an original request (not a retry). */
  recordRequest(): void {
    this.requests[this.bucket()]!++;
  }

  /**
   * Takes one retry from the budget if it allows one now; false means do not retry (the
   * caller returns the failure it has, flagged URX).
   */
  tryRetry(): boolean {
    const index = this.bucket();
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < BUCKETS; i++) {
      requests += this.requests[i]!;
      retries += this.retries[i]!;
    }
    if (retries + 1 > this.ratio * requests + this.floor) return false;
    this.retries[index]!++;
    return true;
  }

  /** The current bucket index, clearing buckets that fell out of the window. */
  private bucket(): number {
    const slot = Math.floor(this.clock() / this.bucketMs);
    const index = slot % BUCKETS;
    if (this.bucketStart[index] !== slot) {
      this.bucketStart[index] = slot;
      this.requests[index] = 0;
      this.retries[index] = 0;
    }
    // Buckets older than the window are cleared lazily too.
    for (let i = 0; i < BUCKETS; i++) {
      if (this.bucketStart[i] !== -1 && slot - this.bucketStart[i]! >= BUCKETS) {
        this.bucketStart[i] = -1;
        this.requests[i] = 0;
        this.retries[i] = 0;
      }
    }
    return index;
  }
}

/**
 * Settings from a DestinationRule `trafficPolicy.retryBudget` (`percent`,
 * `minRetryConcurrency`, `budgetInterval`). Envoy's floor is on concurrent retries; ours
 * is a rate, so `minRetryConcurrency` is read as retries per second.
 */
export function retryBudgetSettings(budget: { percent?: number; minRetryConcurrency?: number; budgetInterval?: string } | undefined): RetryBudgetSettings {
  return {
    ...(budget?.percent !== undefined ? { percent: budget.percent } : {}),
    ...(budget?.minRetryConcurrency !== undefined ? { minRetriesPerSecond: budget.minRetryConcurrency } : {}),
    ...(budget?.budgetInterval !== undefined ? { windowMs: parseDuration(budget.budgetInterval) } : {}),
  };
}
