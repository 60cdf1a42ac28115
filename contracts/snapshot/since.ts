/**
 * What a data plane says it holds when it asks for a snapshot: a version and, from control
 * planes that have them, the epoch it came from. Written `<epoch>:<version>`, or a bare
 * version from callers that know no epoch.
 */
export interface SnapshotSince {
  version: number;
  epoch?: string;
}

/** Raised for a `since` that is neither a version nor `<epoch>:<version>`. */
export class InvalidSinceError extends Error {
  readonly code = "invalid_since";
  constructor(value: unknown) {
    super(`since must be a version or <epoch>:<version>, not ${JSON.stringify(value)}`);
    this.name = "InvalidSinceError";
  }
}

/** Reads `since` as sent over RPC (number or string) or HTTP (string); null/undefined/"" is none. */
export function parseSince(value: unknown): SnapshotSince | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) throw new InvalidSinceError(value);
    return { version: value };
  }
  if (typeof value !== "string") throw new InvalidSinceError(value);
  const match = /^(?:([A-Za-z0-9_-]{1,64}):)?([0-9]{1,15})$/.exec(value);
  if (!match) throw new InvalidSinceError(value);
  return match[1] ? { epoch: match[1], version: Number(match[2]) } : { version: Number(match[2]) };
}

/** `since` as the data plane sends it. */
export function formatSince(since: SnapshotSince): string {
  return since.epoch ? `${since.epoch}:${since.version}` : String(since.version);
}

/**
 * Whether the snapshot `current` is news to a caller holding `since`: a higher version, or
 * any version of another epoch (the control plane's state was wiped and started over).
 */
export function isNewer(current: { version: number; epoch?: string }, since: SnapshotSince | null): boolean {
  if (!since) return true;
  if (since.epoch !== undefined && current.epoch !== undefined && since.epoch !== current.epoch) return true;
  return current.version > since.version;
}
