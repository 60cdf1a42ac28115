// The resource kinds the control API serves, with the names `isthmus get` accepts.
// Mirrors resources/index.ts KINDS (plain JS so the CLI runs without a build step);
// cli/kinds.test.ts keeps the two in step.

/** @typedef {{ kind: string, plural: string, singular: string, group: string, version: string, shortNames: string[], namespaced: boolean }} KindInfo */

/** @type {KindInfo[]} */
export const CLI_KINDS = [
  { kind: "ServiceEntry", plural: "serviceentries", singular: "serviceentry", group: "networking.istio.io", version: "v1", shortNames: ["se"], namespaced: true },
  { kind: "VirtualService", plural: "virtualservices", singular: "virtualservice", group: "networking.istio.io", version: "v1", shortNames: ["vs"], namespaced: true },
  { kind: "DestinationRule", plural: "destinationrules", singular: "destinationrule", group: "networking.istio.io", version: "v1", shortNames: ["dr"], namespaced: true },
  { kind: "Gateway", plural: "gateways", singular: "gateway", group: "networking.istio.io", version: "v1", shortNames: ["gw"], namespaced: true },
  { kind: "PeerAuthentication", plural: "peerauthentications", singular: "peerauthentication", group: "security.istio.io", version: "v1", shortNames: ["pa"], namespaced: true },
  { kind: "AuthorizationPolicy", plural: "authorizationpolicies", singular: "authorizationpolicy", group: "security.istio.io", version: "v1", shortNames: ["ap"], namespaced: true },
  { kind: "RequestAuthentication", plural: "requestauthentications", singular: "requestauthentication", group: "security.istio.io", version: "v1", shortNames: ["ra"], namespaced: true },
  { kind: "HTTPRoute", plural: "httproutes", singular: "httproute", group: "gateway.networking.k8s.io", version: "v1", shortNames: [], namespaced: true },
  { kind: "Rollout", plural: "rollouts", singular: "rollout", group: "rollouts.isthmus.io", version: "v1alpha1", shortNames: ["ro"], namespaced: true },
];

/**
 * Find a kind by kind name, plural, singular or short name, case-insensitively; also
 * accepts `plural.group` (`virtualservices.networking.istio.io`).
 * @param {string} name
 * @returns {KindInfo | undefined}
 */
export function findKind(name) {
  const wanted = name.toLowerCase();
  return CLI_KINDS.find((k) => {
    const names = [k.kind.toLowerCase(), k.plural, k.singular, ...k.shortNames];
    return names.includes(wanted) || names.some((n) => wanted === `${n}.${k.group}`);
  });
}

/**
 * kubectl's way of naming a resource: `virtualservice.networking.istio.io/reviews`.
 * @param {string} kind @param {string} name
 */
export function resourceRef(kind, name) {
  const info = findKind(kind);
  return info ? `${info.singular}.${info.group}/${name}` : `${kind.toLowerCase()}/${name}`;
}
