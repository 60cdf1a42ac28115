export { KINDS, CONTROL_PLANE_KINDS, kindByPlural, kindByName, apiVersionsOf, formsOf, schemaOf, type Kind, type KindInfo, type KindForm, type Resource } from "./kinds.ts";
export { parseDocuments } from "./parse.ts";
export { validateResource, formatPath } from "./validate.ts";
export { analyze, type AnalysisMemo, type Finding, type FindingCode } from "./analyze.ts";
export { InvalidResourceError, MalformedDocumentError, InvalidDurationError, InvalidRegexError, InvalidRegexRewriteError, type FieldIssue } from "./errors.ts";
export { parseDuration } from "./duration.ts";
export { compileRegex, fullMatcher, MAX_PROGRAM_SIZE } from "./regex.ts";
export { compileRegexRewrite } from "./regex-rewrite.ts";
export { canonicalHost, meshServiceOf, hostMatches } from "./hosts.ts";
export { parseEndpointAddress, bindingName, type EndpointTarget } from "./endpoint-address.ts";
export { ObjectMeta } from "./metadata.ts";
export {
  VirtualServiceResource,
  VirtualServiceSpec,
  type VirtualService,
  type HTTPRoute as VirtualServiceRoute,
  type Headers as HeaderOperations,
  type HTTPMatchRequest,
  type HTTPRouteDestination,
  type Destination,
  type StickyHash,
} from "./virtual-service.ts";
export { DestinationRuleResource, DestinationRuleSpec, type DestinationRule, type Subset, type TrafficPolicy } from "./destination-rule.ts";
export { ServiceEntryResource, ServiceEntrySpec, type ServiceEntry, type WorkloadEntry } from "./service-entry.ts";
export { GatewayResource, GatewaySpec, type Gateway } from "./gateway.ts";
export { GatewayApiGatewayResource, GatewayApiGatewaySpec, type GatewayApiGateway } from "./gateway-api-gateway.ts";
export { PeerAuthenticationResource, PeerAuthenticationSpec, type PeerAuthentication } from "./peer-authentication.ts";
export {
  AuthorizationPolicyResource,
  AuthorizationPolicySpec,
  type AuthorizationPolicy,
  type AuthorizationRule,
} from "./authorization-policy.ts";
export { RequestAuthenticationResource, RequestAuthenticationSpec, type RequestAuthentication, type JWTRule } from "./request-authentication.ts";
export { HTTPRouteResource, HTTPRouteSpec, type HTTPRoute } from "./http-route.ts";
export type { StringMatch } from "./fields.ts";
export { RolloutResource, RolloutSpec, ROLLOUT_GROUP, type Rollout, type RolloutStep, type RolloutAnalysis } from "./rollout.ts";
