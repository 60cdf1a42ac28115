// Istio's host names as the control plane reads them: a short name in a resource means a
// service of that resource's namespace.

const CLUSTER_SUFFIX = "svc.cluster.local";

/**
 * The fully qualified name of `host` written in a resource of `namespace`: `reviews` in
 * default is `reviews.default.svc.cluster.local`; names with a domain stay as written.
 * @param {string} host @param {string} namespace
 */
export function fqdn(host, namespace) {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (h.includes("*")) return h;
  const labels = h.split(".");
  if (labels.length === 1) return `${h}.${namespace}.${CLUSTER_SUFFIX}`;
  if (labels.length === 2) return `${h}.${CLUSTER_SUFFIX}`;
  if (labels.length === 3 && labels[2] === "svc") return `${h}.cluster.local`;
  return h;
}

/** The host a service named `name` (a short name, or a host) of `namespace` answers to. @param {string} name @param {string} namespace */
export function serviceHost(name, namespace) {
  return fqdn(name, namespace);
}
