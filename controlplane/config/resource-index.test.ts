import { describe, expect, it } from "vitest";
import type { Resource } from "../../resources/index.ts";
import { ResourceIndex } from "./resource-index.ts";
import type { StoredRow } from "./resource-store.ts";

function row(kind: string, namespace: string, name: string, version = 1): StoredRow {
  const resource = { apiVersion: "networking.istio.io/v1", kind, metadata: { name, namespace, resourceVersion: String(version) }, spec: {} } as unknown as Resource;
  return { resource, content: `${kind}/${namespace}/${name}@${version}`, specJson: "{}", generation: 1, uid: `${name}-uid`, createdAt: "2026-01-01T00:00:00Z" };
}

// The index reads SQL once (listResources: SELECT ... ORDER BY kind, namespace, name); this
// stands in for the table and counts the reads.
function tableOf(rows: StoredRow[]) {
  const table = {
    reads: 0,
    sql: {
      exec: () => {
        table.reads += 1;
        return {
          toArray: () =>
            rows.map(({ resource, specJson, generation, uid, createdAt }) => ({
              kind: resource.kind,
              namespace: resource.metadata.namespace,
              name: resource.metadata.name,
              api_version: resource.apiVersion,
              labels: "{}",
              annotations: "{}",
              spec: specJson,
              resource_version: Number(resource.metadata.resourceVersion),
              generation,
              uid,
              created_at: createdAt,
              updated_at: createdAt,
            })),
        };
      },
    } as unknown as SqlStorage,
  };
  return table;
}

const names = (rows: StoredRow[]) => rows.map(({ resource }) => `${resource.kind}/${resource.metadata.namespace}/${resource.metadata.name}@${resource.metadata.resourceVersion}`);

describe("ResourceIndex", () => {
  it("reads the table once and answers later reads from memory, in the table's order and filtered", () => {
    const table = tableOf([row("DestinationRule", "shop", "reviews"), row("VirtualService", "bookinfo", "reviews"), row("VirtualService", "shop", "reviews")]);
    const index = new ResourceIndex(table.sql);
    expect(names(index.list())).toEqual(["DestinationRule/shop/reviews@1", "VirtualService/bookinfo/reviews@1", "VirtualService/shop/reviews@1"]);
    expect(names(index.list({ kind: "VirtualService" }))).toEqual(["VirtualService/bookinfo/reviews@1", "VirtualService/shop/reviews@1"]);
    expect(names(index.list({ namespace: "shop" }))).toEqual(["DestinationRule/shop/reviews@1", "VirtualService/shop/reviews@1"]);
    expect(names(index.list({ kind: "VirtualService", namespace: "shop" }))).toEqual(["VirtualService/shop/reviews@1"]);
    expect(index.get({ kind: "VirtualService", namespace: "bookinfo", name: "reviews" })?.content).toBe(
      '{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"reviews","namespace":"bookinfo"},"spec":{}}',
    );
    expect(index.get({ kind: "VirtualService", namespace: "bookinfo", name: "ratings" })).toBeNull();
    expect(table.reads).toBe(1);
  });

  it("takes committed rows: an update in place, a new row in sorted order, a deletion", () => {
    const table = tableOf([row("VirtualService", "a", "x"), row("VirtualService", "c", "x")]);
    const index = new ResourceIndex(table.sql);
    index.list();
    index.committed([row("VirtualService", "c", "x", 2), row("VirtualService", "b", "x", 2), row("DestinationRule", "z", "x", 2)], [{ kind: "VirtualService", namespace: "a", name: "x" }]);
    expect(names(index.list())).toEqual(["DestinationRule/z/x@2", "VirtualService/b/x@2", "VirtualService/c/x@2"]);
    expect(index.get({ kind: "VirtualService", namespace: "a", name: "x" })).toBeNull();
    expect(index.get({ kind: "VirtualService", namespace: "c", name: "x" })?.content).toBe("VirtualService/c/x@2");
    // An update alone keeps the sorted list, with the new row in the old one's place.
    index.committed([row("DestinationRule", "z", "x", 3)], []);
    expect(names(index.list())).toEqual(["DestinationRule/z/x@3", "VirtualService/b/x@2", "VirtualService/c/x@2"]);
    expect(table.reads).toBe(1);
  });

  it("hands out a list of its own: a caller's edits to it change nothing stored", () => {
    const index = new ResourceIndex(tableOf([row("VirtualService", "a", "x")]).sql);
    index.list().pop();
    expect(names(index.list())).toEqual(["VirtualService/a/x@1"]);
  });

  it("ignores commits before its first read, which reads them from the table", () => {
    const table = tableOf([row("VirtualService", "a", "x", 5)]);
    const index = new ResourceIndex(table.sql);
    index.committed([row("VirtualService", "b", "x", 4)], []);
    expect(names(index.list())).toEqual(["VirtualService/a/x@5"]);
  });
});
