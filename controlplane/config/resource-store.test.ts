import { describe, expect, it } from "vitest";
import type { Resource } from "../../resources/index.ts";
import { canonicalJson } from "../../contracts/snapshot/canonical-json.ts";
import type { SnapshotResource } from "../../contracts/snapshot/schema.ts";
import { pendingWrite, rowContent } from "./resource-store.ts";

// A row as writeResource stores it: labels, annotations and spec as canonical JSON.
function rowOf(resource: Resource) {
  const { name, namespace, labels, annotations } = resource.metadata as { name: string; namespace: string; labels?: object; annotations?: object };
  return {
    api_version: resource.apiVersion,
    kind: resource.kind,
    name,
    namespace,
    labels: canonicalJson(labels ?? {}),
    annotations: canonicalJson(annotations ?? {}),
    spec: canonicalJson(resource.spec),
  };
}

// What content means: the canonical JSON of the part users write (apiVersion, kind, name,
// namespace, labels, annotations, spec), server metadata dropped and empty maps left out.
function reference(resource: Resource) {
  const { name, namespace, labels, annotations } = resource.metadata as SnapshotResource["metadata"];
  const metadata: SnapshotResource["metadata"] = { name, namespace };
  if (labels && Object.keys(labels).length > 0) metadata.labels = labels;
  if (annotations && Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return canonicalJson({ apiVersion: resource.apiVersion, kind: resource.kind, metadata, spec: resource.spec });
}

describe("pendingWrite content and rowContent", () => {
  const base = {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    spec: { http: [{ route: [{ destination: { host: "reviews", subset: "v1" }, weight: 100 }] }], hosts: ["reviews"] },
  };
  const cases: Array<[string, Record<string, unknown>]> = [
    ["no labels or annotations", { name: "reviews", namespace: "default" }],
    ["labels only", { name: "reviews", namespace: "default", labels: { b: "2", a: "1" } }],
    ["annotations only", { name: "r\"q", namespace: "shop", annotations: { "x/y": "é\n" } }],
    ["both, and server fields that content leaves out", { name: "reviews", namespace: "default", labels: { app: "reviews" }, annotations: { note: "x" }, resourceVersion: "7", uid: "u" }],
    ["empty maps", { name: "reviews", namespace: "default", labels: {}, annotations: {} }],
  ];
  it.each(cases)("are the canonical JSON of the resource's content, from the resource and from its stored row (%s)", (_, metadata) => {
    const resource = { ...base, metadata } as unknown as Resource;
    expect(pendingWrite(resource, null).content).toBe(reference(resource));
    expect(rowContent(rowOf(resource))).toBe(reference(resource));
  });
});
