import { arrayOf, boolean, integer, isObject, matching, nonEmptyString, objectOf, optional, recordOf, string, type ShapeIssue } from "../../resources/shape-check.ts";
import type { Snapshot } from "../../contracts/snapshot/schema.ts";
import type { SnapshotStamp } from "../../contracts/snapshot/stamp.ts";

// The snapshot envelope checked by hand, member for member as contracts/snapshot/schema.ts defines it:
// the data plane reads these members and trusts the content hash for the rest (specs were
// validated by the control plane at apply and are covered by the hash). Running the schema
// library here instead cost every isolate its start-up parse and ~500 KiB of bundle.

const resource = objectOf({
  apiVersion: nonEmptyString,
  kind: nonEmptyString,
  metadata: objectOf({ name: nonEmptyString, namespace: nonEmptyString, labels: optional(recordOf(string)), annotations: optional(recordOf(string)) }),
  spec: (v, path) => (isObject(v) ? undefined : { path, message: "expected an object" }),
});

const stampMembers = {
  version: integer(0),
  epoch: optional(matching(/^[A-Za-z0-9_-]{1,64}$/, "1-64 of A-Z a-z 0-9 _ -")),
  hash: matching(/^[0-9a-f]{64}$/, "64 lower-case hex digits"),
};
const stamp = objectOf(stampMembers);

const envelope = objectOf({
  ...stampMembers,
  generatedAt: string,
  trustDomain: nonEmptyString,
  resources: arrayOf(resource),
  endpointHealth: recordOf(objectOf({ healthy: boolean, lastHeartbeat: optional(string) })),
  revokedIdentities: arrayOf(string),
});

/**
 * `raw` as a snapshot with only the envelope's own members, or the first place where it is
 * not one. Unknown members inside `resources` are kept (the hash covers them).
 */
export function readSnapshotShape(raw: unknown): { snapshot: Snapshot } | { issue: ShapeIssue } {
  const found = envelope(raw, "");
  if (found) return { issue: found };
  const { version, epoch, hash, generatedAt, trustDomain, resources, endpointHealth, revokedIdentities } = raw as Snapshot;
  return { snapshot: { version, ...(epoch !== undefined ? { epoch } : {}), hash, generatedAt, trustDomain, resources, endpointHealth, revokedIdentities } };
}

/**
 * `raw`'s stamp (version, epoch, hash; a snapshot has one too), or undefined when it has none.
 * Other members are dropped.
 */
export function readSnapshotStamp(raw: unknown): SnapshotStamp | undefined {
  if (stamp(raw, "")) return undefined;
  const { version, epoch, hash } = raw as SnapshotStamp;
  return { version, ...(epoch !== undefined ? { epoch } : {}), hash };
}

/** Like {@link readSnapshotStamp}, but throws naming the first problem. */
export function snapshotStampOf(raw: unknown): SnapshotStamp {
  const found = stamp(raw, "");
  if (found) throw new TypeError(`not a snapshot stamp: ${found.path || "(stamp)"}: ${found.message}`);
  return readSnapshotStamp(raw)!;
}
