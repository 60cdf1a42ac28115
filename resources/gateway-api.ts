// Without zod: the data plane reads these when it compiles a snapshot.

/** The API group of Gateway API resources; a `Gateway` in it is Gateway API's, not Istio's. */
export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";

/** The namespace label Kubernetes sets on every namespace: the one a selector can read here. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Whether a stored `Gateway` is Gateway API's (by its apiVersion) rather than Istio's. */
export function isGatewayApiGateway(resource: { kind: string; apiVersion: string }): boolean {
  return resource.kind === "Gateway" && resource.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`);
}

/**
 * The namespaces a selector by {@link NAMESPACE_NAME_LABEL} names: those every term
 * (matchLabels, each matchExpression) admits. Undefined for a selector without terms, which
 * selects every namespace, as in Kubernetes.
 */
export function selectedNamespaces(selector: {
  matchLabels?: Record<string, string>;
  matchExpressions?: readonly { values: readonly string[] }[];
}): string[] | undefined {
  const named = selector.matchLabels?.[NAMESPACE_NAME_LABEL];
  const terms = [...(named !== undefined ? [[named]] : []), ...(selector.matchExpressions ?? []).map((e) => e.values)];
  if (terms.length === 0) return undefined;
  const [first, ...rest] = terms;
  return [...new Set(first)].filter((ns) => rest.every((term) => term.includes(ns)));
}
