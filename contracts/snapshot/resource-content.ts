import type { SnapshotResource } from "./schema.ts";

/**
 * The content of a resource, the part users write: apiVersion, kind, name, namespace,
 * labels, annotations and spec. Server metadata (resourceVersion, generation, uid,
 * timestamps) is dropped; empty label and annotation maps are left out.
 */
export function resourceContent(resource: SnapshotResource): SnapshotResource {
  const { name, namespace, labels, annotations } = resource.metadata;
  const metadata: SnapshotResource["metadata"] = { name, namespace };
  if (labels && Object.keys(labels).length > 0) metadata.labels = { ...labels };
  if (annotations && Object.keys(annotations).length > 0) metadata.annotations = { ...annotations };
  return { apiVersion: resource.apiVersion, kind: resource.kind, metadata, spec: structuredClone(resource.spec) };
}
