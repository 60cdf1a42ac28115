import { snapshotContentHash } from "../../contracts/snapshot/content-hash.ts";
import type { Snapshot } from "../../contracts/snapshot/schema.ts";
import { readSnapshotShape } from "./snapshot-shape.ts";

/** Raised for a snapshot the data plane refuses to apply (shape or hash). */
export class SnapshotRejectedError extends Error {
  readonly code = "snapshot_rejected";
  constructor(message: string) {
    super(message);
    this.name = "SnapshotRejectedError";
  }
}

/**
 * Checks a snapshot as received: the shape of what the data plane reads (the envelope and
 * each resource's kind and metadata), and its hash recomputed from the content, which
 * covers the specs the control plane validated. Throws `SnapshotRejectedError`; never
 * returns a partial one.
 */
export async function acceptSnapshot(raw: unknown): Promise<Snapshot> {
  const read = readSnapshotShape(raw);
  if ("issue" in read) throw new SnapshotRejectedError(`snapshot invalid at ${read.issue.path}: ${read.issue.message}`);
  const { snapshot } = read;
  const expected = await snapshotContentHash(snapshot);
  if (expected !== snapshot.hash) {
    throw new SnapshotRejectedError(`snapshot ${snapshot.version} hash mismatch`);
  }
  return snapshot;
}
