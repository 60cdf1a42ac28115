import type { z } from "zod";
import { AuthorizationPolicyResource } from "./authorization-policy.ts";
import { DestinationRuleResource } from "./destination-rule.ts";
import { GatewayResource } from "./gateway.ts";
import { GATEWAY_API_GROUP } from "./gateway-api.ts";
import { GatewayApiGatewayResource, type GatewayApiGateway } from "./gateway-api-gateway.ts";
import { HTTPRouteResource } from "./http-route.ts";
import { PeerAuthenticationResource } from "./peer-authentication.ts";
import { RequestAuthenticationResource } from "./request-authentication.ts";
import { ROLLOUT_GROUP, RolloutResource } from "./rollout.ts";
import { ServiceEntryResource } from "./service-entry.ts";
import { VirtualServiceResource } from "./virtual-service.ts";

const NETWORKING = ["v1", "v1beta1", "v1alpha3"] as const;
const SECURITY = ["v1", "v1beta1"] as const;
const GATEWAY_API = ["v1", "v1beta1"] as const;

/** A kind as written in one API group: its versions and schema. */
export interface KindForm {
  group: string;
  versions: readonly string[];
  schema: z.ZodType;
}

// Gateway API's Gateway shares Istio's kind name; stored as one kind, a Gateway of either API is named `ns/name` by routes of both.
const GATEWAY_API_GATEWAY = { group: GATEWAY_API_GROUP, versions: GATEWAY_API, schema: GatewayApiGatewayResource } as const;

/**
 * Every kind the mesh accepts, with its REST plural, API group and versions, and its zod
 * schema; `alsoIn` lists the other API groups a kind is written in (Gateway API's Gateway).
 */
export const KINDS = [
  { kind: "ServiceEntry", plural: "serviceentries", group: "networking.istio.io", versions: NETWORKING, namespaced: true, schema: ServiceEntryResource },
  { kind: "VirtualService", plural: "virtualservices", group: "networking.istio.io", versions: NETWORKING, namespaced: true, schema: VirtualServiceResource },
  { kind: "DestinationRule", plural: "destinationrules", group: "networking.istio.io", versions: NETWORKING, namespaced: true, schema: DestinationRuleResource },
  { kind: "Gateway", plural: "gateways", group: "networking.istio.io", versions: NETWORKING, namespaced: true, schema: GatewayResource, alsoIn: [GATEWAY_API_GATEWAY] },
  { kind: "PeerAuthentication", plural: "peerauthentications", group: "security.istio.io", versions: SECURITY, namespaced: true, schema: PeerAuthenticationResource },
  { kind: "AuthorizationPolicy", plural: "authorizationpolicies", group: "security.istio.io", versions: SECURITY, namespaced: true, schema: AuthorizationPolicyResource },
  { kind: "RequestAuthentication", plural: "requestauthentications", group: "security.istio.io", versions: SECURITY, namespaced: true, schema: RequestAuthenticationResource },
  { kind: "HTTPRoute", plural: "httproutes", group: "gateway.networking.k8s.io", versions: GATEWAY_API, namespaced: true, schema: HTTPRouteResource },
  { kind: "Rollout", plural: "rollouts", group: ROLLOUT_GROUP, versions: ["v1alpha1"], namespaced: true, schema: RolloutResource },
] as const;

/** Kinds only the control plane acts on: stored and revisioned, but never in the data plane's snapshot. */
export const CONTROL_PLANE_KINDS: ReadonlySet<string> = new Set(["Rollout"]);

export type KindInfo = (typeof KINDS)[number];
/** A kind name: `"VirtualService"`, `"DestinationRule"`, ... */
export type Kind = KindInfo["kind"];
/** A validated mesh resource of any kind. */
export type Resource = z.infer<KindInfo["schema"]> | GatewayApiGateway;

/** The kind served at a REST plural (`virtualservices`), or undefined. */
export function kindByPlural(plural: string): KindInfo | undefined {
  return KINDS.find((k) => k.plural === plural);
}

/** The kind with this name (`VirtualService`), or undefined. */
export function kindByName(kind: string): KindInfo | undefined {
  return KINDS.find((k) => k.kind === kind);
}

/** A kind's forms: its own group first, then the others it is also written in. */
export function formsOf(info: KindInfo): readonly KindForm[] {
  return [info, ...("alsoIn" in info ? info.alsoIn : [])];
}

/** The `apiVersion` strings a kind accepts (`networking.istio.io/v1`, ...). */
export function apiVersionsOf(info: KindInfo): string[] {
  return formsOf(info).flatMap((form) => form.versions.map((v) => `${form.group}/${v}`));
}

/** The schema of a kind in the group an `apiVersion` names, or undefined for a group it is not in. */
export function schemaOf(info: KindInfo, apiVersion: string): z.ZodType | undefined {
  return formsOf(info).find((form) => form.versions.some((v) => `${form.group}/${v}` === apiVersion))?.schema;
}
