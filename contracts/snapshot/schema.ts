import { z } from "zod";

/**
 * A resource as carried in a snapshot: Istio's envelope with the content fields of
 * `metadata` only (no resourceVersion, generation or timestamps, so equal configuration
 * hashes equally). The spec was validated by the control plane; the data plane reads it.
 */
export const snapshotResourceSchema = z.object({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.record(z.string(), z.unknown()),
});

/** Health of one registered endpoint, keyed `namespace/service/address` in a snapshot. */
export const endpointHealthSchema = z.object({
  healthy: z.boolean(),
  lastHeartbeat: z.string().optional(),
});

/** What the data plane receives: every resource and the registry's health, versioned and hashed. */
export const snapshotSchema = z.object({
  version: z.number().int().nonnegative(),
  /**
   * Names the control plane's storage the version counts in: generated once when it is first
   * initialised. A data plane takes a snapshot of another epoch even at a lower version (the
   * state was wiped and counts again from 1). Absent from snapshots made before epochs.
   */
  epoch: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  generatedAt: z.string(),
  trustDomain: z.string().min(1),
  resources: z.array(snapshotResourceSchema),
  endpointHealth: z.record(z.string(), endpointHealthSchema),
  revokedIdentities: z.array(z.string()),
});

export type Snapshot = z.infer<typeof snapshotSchema>;
export type SnapshotResource = z.infer<typeof snapshotResourceSchema>;
export type EndpointHealth = z.infer<typeof endpointHealthSchema>;
/** The part of a snapshot its hash covers. */
export type SnapshotContent = Pick<Snapshot, "trustDomain" | "resources" | "endpointHealth" | "revokedIdentities">;
