import { snapshotContentHash } from "../../snapshot/content-hash.ts";
import { snapshotSchema, type Snapshot } from "../../snapshot/schema.ts";

/** Raised for a snapshot the data plane refuses to apply (shape or hash). */
export class SnapshotRejectedError extends Error {
  readonly code = "snapshot_rejected";
  constructor(message: string) {
    super(message);
    this.name = "SnapshotRejectedError";
  }
}

/**
 * Checks a snapshot as received: its shape against the snapshot schema, and its hash
 * recomputed from the content. Throws `SnapshotRejectedError`; never returns a partial one.
 */
export async function acceptSnapshot(raw: unknown): Promise<Snapshot> {
  const parsed = snapshotSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SnapshotRejectedError(`snapshot invalid at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  const expected = await snapshotContentHash(parsed.data);
  if (expected !== parsed.data.hash) {
    throw new SnapshotRejectedError(`snapshot ${parsed.data.version} hash mismatch`);
  }
  return parsed.data;
}
