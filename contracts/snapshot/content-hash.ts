import { canonicalJson, sha256Hex } from "./canonical-json.ts";
import type { SnapshotContent } from "./schema.ts";

/**
 * The snapshot hash: SHA-256 hex of the canonical JSON of everything but `version`,
 * `hash` and `generatedAt`. Equal configuration gives an equal hash at any version;
 * the data plane recomputes it to check what it received.
 */
export function snapshotContentHash(snapshot: SnapshotContent): Promise<string> {
  const { trustDomain, resources, endpointHealth, revokedIdentities } = snapshot;
  return sha256Hex(canonicalJson({ trustDomain, resources, endpointHealth, revokedIdentities }));
}
