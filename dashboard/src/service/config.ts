// Which resources concern one service, with Istio's host and selector rules: a short host
// in a resource means that resource's namespace; a policy without a selector covers its
// namespace, and in the root namespace (istio-system) the whole mesh.
import type { Resource } from "../types.ts";

export const ROOT_NAMESPACE = "istio-system";

/** True when `host`, written in a resource of `resourceNamespace`, names service `name.namespace`. */
export function hostNames(host: string, resourceNamespace: string, name: string, namespace: string): boolean {
  const parts = host.split(".");
  if (parts[0] !== name) return false;
  if (parts.length === 1) return resourceNamespace === namespace;
  if (parts[1] !== namespace) return false;
  return parts.length === 2 || parts.slice(2).join(".") === "svc.cluster.local";
}

function resourceNamespace(resource: Resource): string {
  return resource.metadata.namespace ?? "default";
}

/** Resources whose `spec.hosts` (or `spec.host`) name the service. */
export function forHost<R extends Resource>(resources: R[], name: string, namespace: string): R[] {
  return resources.filter((r) => {
    const spec = r.spec as { hosts?: unknown; host?: unknown };
    const hosts = Array.isArray(spec.hosts) ? spec.hosts : typeof spec.host === "string" ? [spec.host] : [];
    return hosts.some((h) => typeof h === "string" && hostNames(h, resourceNamespace(r), name, namespace));
  });
}

export type PolicyScope = "workload" | "namespace" | "mesh";

/** Security policies that apply to the service's workloads (labelled `app: <name>`), with their scope. */
export function policiesFor(resources: Resource[], name: string, namespace: string): { resource: Resource; scope: PolicyScope }[] {
  const found: { resource: Resource; scope: PolicyScope }[] = [];
  for (const resource of resources) {
    const matchLabels = (resource.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels;
    const ns = resourceNamespace(resource);
    if (matchLabels && Object.keys(matchLabels).length > 0) {
      const selects = ns === namespace && Object.entries(matchLabels).every(([key, value]) => key === "app" && value === name);
      if (selects) found.push({ resource, scope: "workload" });
    } else if (ns === namespace) {
      found.push({ resource, scope: "namespace" });
    } else if (ns === ROOT_NAMESPACE) {
      found.push({ resource, scope: "mesh" });
    }
  }
  return found;
}
