import { describe, expect, it } from "vitest";
import { snapshotSchema } from "../../contracts/snapshot/schema.ts";
import { readSnapshotShape } from "./snapshot-shape.ts";

const valid = () => ({
  version: 4,
  epoch: "e_1-A",
  hash: "a".repeat(64),
  generatedAt: "2026-11-26T00:00:00Z",
  trustDomain: "cluster.local",
  resources: [
    {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: "reviews", namespace: "default", labels: { app: "reviews" }, annotations: { note: "x" } },
      spec: { hosts: ["reviews"] },
    },
  ],
  endpointHealth: { "default/reviews/worker://reviews": { healthy: true, lastHeartbeat: "2026-11-26T00:00:00Z" } },
  revokedIdentities: ["spiffe://cluster.local/ns/default/sa/old"],
});

type Raw = ReturnType<typeof valid> & Record<string, unknown>;
// Each malformation, the path the check names, and the edit that makes it.
const malformed: [string, string, (s: Raw) => unknown][] = [
  ["not an object", "(root)", () => []],
  ["null", "(root)", () => null],
  ["version a string", "version", (s) => ({ ...s, version: "4" })],
  ["version negative", "version", (s) => ({ ...s, version: -1 })],
  ["version fractional", "version", (s) => ({ ...s, version: 1.5 })],
  ["version missing", "version", ({ version: _, ...s }) => s],
  ["epoch with a slash", "epoch", (s) => ({ ...s, epoch: "a/b" })],
  ["epoch null", "epoch", (s) => ({ ...s, epoch: null })],
  ["hash upper-case", "hash", (s) => ({ ...s, hash: "A".repeat(64) })],
  ["hash short", "hash", (s) => ({ ...s, hash: "a".repeat(63) })],
  ["generatedAt missing", "generatedAt", ({ generatedAt: _, ...s }) => s],
  ["trustDomain empty", "trustDomain", (s) => ({ ...s, trustDomain: "" })],
  ["resources an object", "resources", (s) => ({ ...s, resources: {} })],
  ["a resource null", "resources.0", (s) => ({ ...s, resources: [null] })],
  ["kind empty", "resources.0.kind", (s) => ((s.resources[0]!.kind = ""), s)],
  ["apiVersion a number", "resources.0.apiVersion", (s) => ((s.resources[0] as Record<string, unknown>).apiVersion = 1, s)],
  ["metadata missing", "resources.0.metadata", (s) => (delete (s.resources[0] as Record<string, unknown>).metadata, s)],
  ["name missing", "resources.0.metadata.name", (s) => (delete (s.resources[0]!.metadata as Record<string, unknown>).name, s)],
  ["namespace empty", "resources.0.metadata.namespace", (s) => ((s.resources[0]!.metadata.namespace = ""), s)],
  ["a label not a string", "resources.0.metadata.labels.app", (s) => ((s.resources[0]!.metadata.labels as Record<string, unknown>).app = 1, s)],
  ["annotations an array", "resources.0.metadata.annotations", (s) => ((s.resources[0]!.metadata as Record<string, unknown>).annotations = ["x"], s)],
  ["spec a string", "resources.0.spec", (s) => ((s.resources[0] as Record<string, unknown>).spec = "x", s)],
  ["spec null", "resources.0.spec", (s) => ((s.resources[0] as Record<string, unknown>).spec = null, s)],
  ["health not a boolean", "endpointHealth.default/reviews/worker://reviews.healthy", (s) => ({ ...s, endpointHealth: { "default/reviews/worker://reviews": { healthy: "yes" } } })],
  ["heartbeat a number", "endpointHealth.k.lastHeartbeat", (s) => ({ ...s, endpointHealth: { k: { healthy: true, lastHeartbeat: 1 } } })],
  ["revokedIdentities with a number", "revokedIdentities.0", (s) => ({ ...s, revokedIdentities: [1] })],
];

describe("readSnapshotShape", () => {
  it("reads a well-formed snapshot, keeping resources as received and dropping unknown envelope members", () => {
    const raw = { ...valid(), extra: 1 };
    const read = readSnapshotShape(raw);
    if (!("snapshot" in read)) throw new Error(read.issue.message);
    expect(read.snapshot).not.toHaveProperty("extra");
    expect(read.snapshot.resources).toBe(raw.resources);
    const { epoch: _, ...withoutEpoch } = valid();
    expect(readSnapshotShape(withoutEpoch)).toHaveProperty("snapshot");
  });

  it.each(malformed)("refuses %s at %s", (_what, path, edit) => {
    const raw = edit(valid() as Raw);
    expect(readSnapshotShape(raw)).toEqual({ issue: { path, message: expect.any(String) } });
  });

  // The control plane's schema is the definition: the hand check must refuse what it refuses.
  it.each(malformed)("agrees with the snapshot schema on %s", (_what, _path, edit) => {
    expect(snapshotSchema.safeParse(edit(valid() as Raw)).success).toBe(false);
  });

  it("agrees with the snapshot schema on the well-formed snapshot", () => {
    expect(snapshotSchema.safeParse(valid()).success).toBe(true);
  });
});
