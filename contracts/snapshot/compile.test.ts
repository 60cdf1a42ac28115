import { describe, expect, it } from "vitest";
import { compileSnapshot, REGISTRY_LABEL, type CompileInput } from "./compile.ts";
import { snapshotContentHash } from "./content-hash.ts";
import { snapshotSchema, type SnapshotResource } from "./schema.ts";

const reviewsEntry: SnapshotResource = {
  apiVersion: "networking.istio.io/v1",
  kind: "ServiceEntry",
  metadata: { name: "reviews", namespace: "default" },
  spec: {
    hosts: ["reviews.default.svc.cluster.local"],
    endpoints: [{ address: "worker://reviews-v1", labels: { version: "v1" } }],
  },
};
const reviewsRoute: SnapshotResource = {
  apiVersion: "networking.istio.io/v1",
  kind: "VirtualService",
  metadata: { name: "reviews", namespace: "default", labels: { app: "reviews" } },
  spec: { hosts: ["reviews"], http: [{ route: [{ destination: { host: "reviews", subset: "v1" } }] }] },
};

function input(overrides: Partial<CompileInput> = {}): CompileInput {
  return {
    version: 3,
    generatedAt: "2026-11-26T00:00:00.000Z",
    trustDomain: "cluster.local",
    resources: [reviewsRoute, reviewsEntry],
    endpoints: [],
    revokedIdentities: [],
    ...overrides,
  };
}

describe("compileSnapshot", () => {
  it("writes metadata and registry ServiceEntries with their keys in canonical order (hashed on receipt without sorting)", async () => {
    const snapshot = await compileSnapshot(
      input({
        resources: [{ ...reviewsRoute, metadata: { ...reviewsRoute.metadata, annotations: { note: "x" } } }],
        endpoints: [{ namespace: "default", service: "ratings", address: "worker://ratings", labels: {}, healthy: true, lastHeartbeat: "t" }],
      }),
    );
    const sorted = (keys: string[]) => [...keys].sort();
    for (const resource of snapshot.resources) {
      expect(Object.keys(resource.metadata)).toEqual(sorted(Object.keys(resource.metadata)));
      expect(Object.keys(resource.spec)).toEqual(sorted(Object.keys(resource.spec)));
    }
    expect(Object.keys(snapshot.resources.find((r) => r.kind === "VirtualService")!.metadata)).toEqual(["annotations", "labels", "name", "namespace"]);
  });

  it("sorts resources by kind, namespace and name and validates against the schema", async () => {
    const snapshot = await compileSnapshot(input());
    expect(snapshot.resources.map((r) => r.kind)).toEqual(["ServiceEntry", "VirtualService"]);
    expect(snapshotSchema.parse(snapshot)).toEqual(snapshot);
    expect(snapshot.hash).toBe(await snapshotContentHash(snapshot));
  });

  it("keeps the hash for equal content at another version and time, changes it for other content", async () => {
    const a = await compileSnapshot(input());
    const b = await compileSnapshot(input({ version: 9, generatedAt: "2027-01-01T00:00:00.000Z", resources: [reviewsEntry, reviewsRoute] }));
    expect(b.hash).toBe(a.hash);
    const c = await compileSnapshot(input({ revokedIdentities: ["spiffe://cluster.local/ns/default/sa/ratings"] }));
    expect(c.hash).not.toBe(a.hash);
  });

  it("drops server metadata so it does not change the hash", async () => {
    const withServerFields = {
      ...reviewsRoute,
      metadata: { ...reviewsRoute.metadata, resourceVersion: "7", generation: 2, uid: "x" },
    } as SnapshotResource;
    const a = await compileSnapshot(input());
    const b = await compileSnapshot(input({ resources: [withServerFields, reviewsEntry] }));
    expect(b.hash).toBe(a.hash);
    expect(b.resources[1]!.metadata).toEqual({ name: "reviews", namespace: "default", labels: { app: "reviews" } });
  });

  it("merges registered endpoints into the ServiceEntry naming their service and reports their health", async () => {
    const snapshot = await compileSnapshot(
      input({
        endpoints: [
          { namespace: "default", service: "reviews", address: "worker://reviews-v2", labels: { version: "v2" }, healthy: false, lastHeartbeat: "2026-11-26T00:00:00.000Z" },
          { namespace: "default", service: "reviews", address: "worker://reviews-v1", labels: { version: "v1" }, healthy: true, lastHeartbeat: "2026-11-26T00:00:01.000Z" },
        ],
      }),
    );
    const entry = snapshot.resources.find((r) => r.kind === "ServiceEntry")!;
    expect(entry.spec.endpoints).toEqual([
      { address: "worker://reviews-v1", labels: { version: "v1" } },
      { address: "worker://reviews-v2", labels: { version: "v2" } },
    ]);
    expect(snapshot.endpointHealth).toEqual({
      "default/reviews/worker://reviews-v2": { healthy: false, lastHeartbeat: "2026-11-26T00:00:00.000Z" },
      "default/reviews/worker://reviews-v1": { healthy: true, lastHeartbeat: "2026-11-26T00:00:01.000Z" },
    });
    expect(reviewsEntry.spec.endpoints).toHaveLength(1);
  });

  it("writes a ServiceEntry for a service known only to the registry", async () => {
    const snapshot = await compileSnapshot(
      input({
        endpoints: [{ namespace: "shop", service: "cart", address: "https://cart.example.com", labels: {}, healthy: true, lastHeartbeat: "2026-11-26T00:00:00.000Z" }],
      }),
    );
    const entry = snapshot.resources.find((r) => r.metadata.namespace === "shop")!;
    expect(entry.kind).toBe("ServiceEntry");
    expect(entry.metadata).toEqual({ name: "cart", namespace: "shop", labels: { [REGISTRY_LABEL]: "true" } });
    expect(entry.spec).toMatchObject({ hosts: ["cart"], endpoints: [{ address: "https://cart.example.com", labels: {} }] });
  });
});
