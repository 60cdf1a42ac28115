const CLUSTER_DOMAIN = "cluster.local";

/**
 * The one spelling of a mesh host used for every comparison: `reviews` (short, in namespace
 * `default`), `reviews.default`, `reviews.default.svc` and `reviews.default.svc.cluster.local`
 * all become `reviews.default.svc.cluster.local`. Like Kubernetes DNS search paths, a
 * two-label name is read as `service.namespace`; names with three or more labels (other than
 * `name.ns.svc`) are external and kept as they are. Wildcards (`*`, `*.example.com`) and
 * case are normalised only (lower case, no trailing dot).
 */
export function canonicalHost(host: string, namespace: string, clusterDomain = CLUSTER_DOMAIN): string {
  const name = host.trim().toLowerCase().replace(/\.$/, "");
  if (name.startsWith("*")) return name;
  const suffix = `.svc.${clusterDomain}`;
  if (name.endsWith(suffix)) return name;
  const labels = name.split(".");
  if (labels.length === 1) return `${name}.${namespace}${suffix}`;
  if (labels.length === 2) return `${name}${suffix}`;
  if (labels.length === 3 && labels[2] === "svc") return `${name}.${clusterDomain}`;
  return name;
}

/** The mesh service a canonical host names (`reviews.default.svc.cluster.local` -> reviews in default), or null for an external host. */
export function meshServiceOf(host: string, clusterDomain = CLUSTER_DOMAIN): { service: string; namespace: string } | null {
  const suffix = `.svc.${clusterDomain}`;
  if (!host.endsWith(suffix)) return null;
  const labels = host.slice(0, -suffix.length).split(".");
  return labels.length === 2 ? { service: labels[0], namespace: labels[1] } : null;
}

/** Whether a host pattern (`*`, `*.example.com`, or a host) covers a host; both canonical. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === "*") return true;
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1));
  return pattern === host;
}
