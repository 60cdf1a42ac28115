import { describe, expect, it } from "vitest";
import { snapshotContentHash } from "../../contracts/snapshot/content-hash.ts";
import { SnapshotRejectedError, acceptSnapshot } from "./accept.ts";

async function snapshot() {
  const content = {
    trustDomain: "cluster.local",
    resources: [
      {
        apiVersion: "networking.istio.io/v1",
        kind: "ServiceEntry",
        metadata: { name: "reviews", namespace: "default" },
        spec: { hosts: ["reviews"] },
      },
    ],
    endpointHealth: {},
    revokedIdentities: [],
  };
  return { version: 3, generatedAt: "2026-11-26T00:00:00Z", ...content, hash: await snapshotContentHash(content) };
}

describe("acceptSnapshot", () => {
  it("accepts a well-formed snapshot whose hash matches", async () => {
    const s = await snapshot();
    expect((await acceptSnapshot(s)).version).toBe(3);
  });

  it("refuses a snapshot whose content was changed after hashing", async () => {
    const s = await snapshot();
    s.resources[0]!.spec.hosts = ["ratings"];
    await expect(acceptSnapshot(s)).rejects.toThrow(/hash mismatch/);
  });

  it("refuses a snapshot that does not match the schema", async () => {
    const s = { ...(await snapshot()), version: "three" };
    await expect(acceptSnapshot(s)).rejects.toBeInstanceOf(SnapshotRejectedError);
  });
});

describe("acceptSnapshot: tampered or malformed", () => {
  it("names the first field the data plane reads that is malformed", async () => {
    const s = await snapshot();
    (s.resources[0]!.metadata as Record<string, unknown>).namespace = 7;
    await expect(acceptSnapshot(s)).rejects.toThrow("snapshot invalid at resources.0.metadata.namespace: expected a non-empty string");
    await expect(acceptSnapshot("{}")).rejects.toThrow("snapshot invalid at (root): expected an object");
  });

  it("refuses a member added to a resource after hashing (the hash covers what was sent)", async () => {
    const s = await snapshot();
    (s.resources[0]!.metadata as Record<string, unknown>).labels = { injected: "true" };
    await expect(acceptSnapshot(s)).rejects.toThrow(/hash mismatch/);
    const t = await snapshot();
    (t.resources[0] as Record<string, unknown>).status = {};
    await expect(acceptSnapshot(t)).rejects.toThrow(/hash mismatch/);
  });

  it("refuses health or revocations changed after hashing", async () => {
    const s = await snapshot();
    (s.endpointHealth as Record<string, unknown>)["default/reviews/worker://reviews"] = { healthy: false };
    await expect(acceptSnapshot(s)).rejects.toThrow(/hash mismatch/);
    const t = await snapshot();
    t.revokedIdentities.push("spiffe://cluster.local/ns/default/sa/reviews" as never);
    await expect(acceptSnapshot(t)).rejects.toThrow(/hash mismatch/);
  });
});
