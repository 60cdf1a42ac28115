import { z } from "zod";
import { snapshotSchema } from "./schema.ts";

/**
 * What names a snapshot without carrying it: its epoch, version and content hash. Data
 * planes compare stamps often and fetch a snapshot (immutable, by hash) only when the stamp
 * moves, so the control plane answers a few bytes per check instead of the whole snapshot.
 */
export const snapshotStampSchema = snapshotSchema.pick({ version: true, epoch: true, hash: true });

export type SnapshotStamp = z.infer<typeof snapshotStampSchema>;
