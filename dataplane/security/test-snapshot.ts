// Builds compiled meshes from resources written in Istio's shape, for the security unit tests.
import { parseDocuments, validateResource } from "../../resources/index.ts";
import { compileMesh, type CompiledMesh } from "../config/compiled.ts";
import type { SnapshotResource } from "../../contracts/snapshot/schema.ts";

/** A compiled mesh of the given YAML documents, validated as the control plane would (namespace `default` unless they say). */
export function meshOf(yaml: string, options: { trustDomain?: string; revoked?: string[] } = {}): CompiledMesh {
  const resources = parseDocuments(yaml).map((doc) => {
    const r = validateResource(doc) as unknown as SnapshotResource;
    const { name, namespace, labels, annotations } = r.metadata;
    return { ...r, metadata: { name, namespace, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } };
  });
  return compileMesh({
    version: 1,
    hash: "0".repeat(64),
    generatedAt: new Date(0).toISOString(),
    trustDomain: options.trustDomain ?? "cluster.local",
    resources,
    endpointHealth: {},
    revokedIdentities: options.revoked ?? [],
  });
}
