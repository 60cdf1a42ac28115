// AuthorizationPolicy evaluation with Istio's semantics, compiled once per snapshot.
// Within a rule `from`, `to` and `when` must all match; within `from` (or `to`) any one
// source (operation) suffices; within a source every field set must match, a field by
// any of its values, a `not` field by none; a condition by any of `values` and none of
// `notValues`. A rule `{}` matches everything; a policy without rules matches nothing
// (so an ALLOW policy without rules denies all, a DENY policy without rules denies none).
// Order: DENY, then ALLOW (if any ALLOW policy applies, a request matching none is
// denied); AUDIT only records. `istio.io/dry-run: "true"` policies decide in the shadow.
// An IP field that cannot be evaluated (no client address, or one that does not parse)
// fails closed, as in Istio: it matches in a DENY (and AUDIT) policy and not in an ALLOW.
import type { CompiledMesh } from "../config/compiled.ts";
import type { SnapshotResource } from "../../contracts/snapshot/schema.ts";
import type { AuthorizationRule } from "../../resources/authorization-policy.ts";
import { appliesTo, annotation, perTarget, ROOT_NAMESPACE, type PolicyTarget } from "./policy-scope.ts";
import { blockContains, parseClientIp, parseIpBlock, type IpAddress } from "../../resources/ip-block.ts";
import { anyOf, globMatcher, pathMatcher, principalMatcher, stringMatcher, type ValueMatcher } from "./value-match.ts";

/** The facts of one request that policies look at. */
export interface AuthorizationRequest {
  method: string;
  /** Normalized path without the query. */
  path: string;
  /** Host as the caller named it, lower-cased, without port. */
  host: string;
  port?: number;
  headers: Headers;
  /** Verified SPIFFE ID of the calling workload. */
  principal?: string;
  /** Verified end-user principal `iss/sub`. */
  requestPrincipal?: string;
  /** Verified end-user JWT claims. */
  claims?: Record<string, unknown>;
  /** The client's address (at the edge, `CF-Connecting-IP`). */
  remoteIp?: string;
}

/** What the policies decided. */
export interface AuthorizationDecision {
  allowed: boolean;
  /** `namespace/name` of the deciding DENY policy, or undefined when no ALLOW matched / allowed. */
  policy?: string;
  /** `denied_by_policy`, `no_allow_policy_matched`, or `allowed`. */
  reason: "denied_by_policy" | "no_allow_policy_matched" | "allowed";
  /** AUDIT policies that matched. */
  audited: string[];
  /** Dry-run policies and what they would have decided. */
  dryRun: { policy: string; decision: "allow" | "deny"; wouldDeny: boolean }[];
}

type Predicate = (request: AuthorizationRequest) => boolean;

interface CompiledPolicy {
  name: string;
  resource: SnapshotResource;
  action: "ALLOW" | "DENY" | "AUDIT";
  dryRun: boolean;
  matches: Predicate;
}

const DRY_RUN_ANNOTATION = "istio.io/dry-run";

/** Decides a request for `target` by the snapshot's AuthorizationPolicies. */
export function authorize(mesh: CompiledMesh, target: PolicyTarget, request: AuthorizationRequest, rootNamespace = ROOT_NAMESPACE): AuthorizationDecision {
  const policies = applicablePolicies(mesh, target, rootNamespace);
  const enforced = policies.filter((p) => !p.dryRun);
  const decision = decide(enforced, request);
  const shadow = policies.filter((p) => p.dryRun);
  return {
    ...decision,
    audited: enforced.filter((p) => p.action === "AUDIT" && p.matches(request)).map((p) => p.name),
    dryRun: shadow
      .filter((p) => p.action !== "AUDIT")
      .map((p) => {
        // Istio's shadow rules: what this policy alone would add to the enforced decision.
        const alone = p.action === "DENY" ? p.matches(request) : !p.matches(request);
        return { policy: p.name, decision: alone ? "deny" : "allow", wouldDeny: alone && decision.allowed };
      }),
  };
}

function decide(policies: CompiledPolicy[], request: AuthorizationRequest): Pick<AuthorizationDecision, "allowed" | "policy" | "reason"> {
  const deny = policies.find((p) => p.action === "DENY" && p.matches(request));
  if (deny) return { allowed: false, policy: deny.name, reason: "denied_by_policy" };
  const allows = policies.filter((p) => p.action === "ALLOW");
  if (allows.length > 0 && !allows.some((p) => p.matches(request))) return { allowed: false, reason: "no_allow_policy_matched" };
  return { allowed: true, reason: "allowed" };
}

function applicablePolicies(mesh: CompiledMesh, target: PolicyTarget, rootNamespace: string): CompiledPolicy[] {
  const compiled = mesh.derive("security:authz-policies", () => mesh.ofKind("AuthorizationPolicy").map(compilePolicy));
  return perTarget(mesh, "security:authz-by-workload", target, rootNamespace, () => compiled.filter((p) => appliesTo(p.resource, target, rootNamespace)));
}

/** Compiles one AuthorizationPolicy resource into a predicate. */
export function compilePolicy(resource: SnapshotResource): CompiledPolicy {
  const spec = resource.spec as { action?: "ALLOW" | "DENY" | "AUDIT"; rules?: AuthorizationRule[] };
  const namespace = resource.metadata.namespace;
  const action = spec.action ?? "ALLOW";
  const rules = (spec.rules ?? []).map((rule) => compileRule(rule, namespace, action !== "ALLOW"));
  return {
    name: `${namespace}/${resource.metadata.name}`,
    resource,
    action,
    dryRun: annotation(resource, DRY_RUN_ANNOTATION) === "true",
    matches: (request) => rules.some((rule) => rule(request)),
  };
}

/** `unknownMatches`: what an IP field that cannot be evaluated counts as (true in DENY and AUDIT). */
function compileRule(rule: AuthorizationRule, namespace: string, unknownMatches: boolean): Predicate {
  const parts: Predicate[] = [];
  if (rule.from?.length) {
    const sources = rule.from.map(({ source }) => all(compileSource(source, namespace, unknownMatches)));
    parts.push((r) => sources.some((s) => s(r)));
  }
  if (rule.to?.length) {
    const operations = rule.to.map(({ operation }) => all(compileOperation(operation)));
    parts.push((r) => operations.some((o) => o(r)));
  }
  for (const condition of rule.when ?? []) parts.push(compileCondition(condition, namespace, unknownMatches));
  return all(parts);
}

type Source = NonNullable<AuthorizationRule["from"]>[number]["source"];
type Operation = NonNullable<AuthorizationRule["to"]>[number]["operation"];
type Condition = NonNullable<AuthorizationRule["when"]>[number];

/** A field (`values` must match any) and its negation (`notValues` must match none). */
function field(values: readonly string[] | undefined, notValues: readonly string[] | undefined, compile: (p: string) => ValueMatcher, read: (r: AuthorizationRequest) => readonly string[]): Predicate[] {
  const out: Predicate[] = [];
  if (values) {
    const match = anyOf(values, compile);
    out.push((r) => match(read(r)));
  }
  if (notValues) {
    const match = anyOf(notValues, compile);
    out.push((r) => !match(read(r)));
  }
  return out;
}

const one = (value: string | undefined): readonly string[] => (value === undefined ? [] : [value]);

function compileSource(source: Source, namespace: string, unknownMatches: boolean): Predicate[] {
  const principal = (r: AuthorizationRequest) => one(r.principal);
  return [
    ...field(source.principals, source.notPrincipals, principalMatcher, principal),
    ...field(source.requestPrincipals, source.notRequestPrincipals, requestPrincipalMatcher, (r) => one(r.requestPrincipal)),
    ...field(source.namespaces, source.notNamespaces, globMatcher, (r) => one(namespaceOf(r.principal))),
    ...field(source.serviceAccounts, source.notServiceAccounts, (p) => serviceAccountMatcher(p, namespace), principal),
    ...field(source.trustDomains, source.notTrustDomains, globMatcher, (r) => one(trustDomainOf(r.principal))),
    ...ipField(source.ipBlocks, source.notIpBlocks, unknownMatches),
    ...ipField(source.remoteIpBlocks, source.notRemoteIpBlocks, unknownMatches),
  ];
}

function compileOperation(operation: Operation): Predicate[] {
  return [
    ...field(operation.methods, operation.notMethods, (p) => stringMatcher(p), (r) => [r.method]),
    ...field(operation.paths, operation.notPaths, pathMatcher, (r) => [r.path]),
    ...field(operation.hosts, operation.notHosts, (p) => stringMatcher(p, true), (r) => (r.port ? [r.host, `${r.host}:${r.port}`] : [r.host])),
    ...field(operation.ports, operation.notPorts, (p) => stringMatcher(p), (r) => one(r.port?.toString())),
  ];
}

function compileCondition(condition: Condition, namespace: string, unknownMatches: boolean): Predicate {
  const { key } = condition;
  const values = condition.values;
  const notValues = condition.notValues;
  const header = /^request\.headers\[(.+)\]$/.exec(key);
  if (header) return all(field(values, notValues, (p) => stringMatcher(p), (r) => one(r.headers.get(header[1]!) ?? undefined)));
  const claim = /^request\.auth\.claims((\[[^\]]+\])+)$/.exec(key);
  if (claim) {
    const path = [...claim[1]!.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);
    return all(field(values, notValues, (p) => stringMatcher(p), (r) => claimValues(r.claims, path)));
  }
  switch (key) {
    case "source.principal":
      return all(field(values, notValues, principalMatcher, (r) => one(r.principal)));
    case "source.namespace":
      return all(field(values, notValues, globMatcher, (r) => one(namespaceOf(r.principal))));
    case "source.serviceAccount":
      return all(field(values, notValues, (p) => serviceAccountMatcher(p, namespace), (r) => one(r.principal)));
    case "source.ip":
    case "remote.ip":
      return all(ipField(values, notValues, unknownMatches));
    case "request.auth.principal":
      return all(field(values, notValues, (p) => stringMatcher(p), (r) => one(r.requestPrincipal)));
    case "request.auth.audiences":
      return all(field(values, notValues, (p) => stringMatcher(p), (r) => claimValues(r.claims, ["aud"])));
    case "request.auth.presenter":
      return all(field(values, notValues, (p) => stringMatcher(p), (r) => claimValues(r.claims, ["azp"])));
    case "destination.port":
      return all(field(values, notValues, (p) => stringMatcher(p), (r) => one(r.port?.toString())));
    default:
      // destination.ip, connection.sni and experimental.* have no meaning on Workers: they
      // match nothing, so `values` never match and `notValues` never exclude.
      return all(field(values, notValues, () => () => false, () => []));
  }
}

// Three-valued IP matching: `undefined` is "cannot tell" (no client address, or a block that
// did not parse, as a snapshot written before blocks were checked may hold).
type Tri = boolean | undefined;
type IpMatcher = (ip: IpAddress | undefined) => Tri;

function ipBlockMatcher(text: string): IpMatcher {
  const block = parseIpBlock(text);
  if (typeof block === "string") return () => undefined;
  return (ip) => (ip === undefined ? undefined : blockContains(block, ip));
}

/** `ipBlocks` (any must contain the client) and `notIpBlocks` (none may); unknown resolves to `unknownMatches`. */
function ipField(blocks: readonly string[] | undefined, notBlocks: readonly string[] | undefined, unknownMatches: boolean): Predicate[] {
  const anyBlock = (texts: readonly string[]) => {
    const matchers = texts.map(ipBlockMatcher);
    return (ip: IpAddress | undefined): Tri => {
      let result: Tri = false;
      for (const match of matchers) {
        const m = match(ip);
        if (m === true) return true;
        if (m === undefined) result = undefined;
      }
      return result;
    };
  };
  const out: Predicate[] = [];
  if (blocks) {
    const match = anyBlock(blocks);
    out.push((r) => match(clientIp(r)) ?? unknownMatches);
  }
  if (notBlocks) {
    const match = anyBlock(notBlocks);
    out.push((r) => {
      const m = match(clientIp(r));
      return m === undefined ? unknownMatches : !m;
    });
  }
  return out;
}

const parsedIps = new WeakMap<AuthorizationRequest, IpAddress | null>();

/** The request's client address, parsed once per request. */
function clientIp(request: AuthorizationRequest): IpAddress | undefined {
  let ip = parsedIps.get(request);
  if (ip === undefined) parsedIps.set(request, (ip = parseClientIp(request.remoteIp) ?? null));
  return ip ?? undefined;
}

/** `iss/sub` with Istio's forms: the last `/` splits issuer (maybe a URL) from subject. */
function requestPrincipalMatcher(pattern: string): ValueMatcher {
  if (pattern === "*") return (v) => v !== undefined && v !== "";
  const slash = pattern.lastIndexOf("/");
  if (slash < 0) return stringMatcher(pattern);
  const iss = stringMatcher(pattern.slice(0, slash));
  const sub = stringMatcher(pattern.slice(slash + 1));
  return (v) => {
    if (v === undefined) return false;
    const at = v.lastIndexOf("/");
    return at >= 0 && iss(v.slice(0, at)) && sub(v.slice(at + 1));
  };
}

/** `ns/sa` or `sa` (in the policy's namespace), against a principal `spiffe://td/ns/NS/sa/SA`. */
function serviceAccountMatcher(pattern: string, namespace: string): ValueMatcher {
  const [ns, sa] = pattern.includes("/") ? pattern.split("/", 2) : [namespace, pattern];
  return (v) => v !== undefined && namespaceOf(v) === ns && /\/sa\/([^/]+)$/.exec(v)?.[1] === sa;
}

function namespaceOf(principal: string | undefined): string | undefined {
  return principal ? /^spiffe:\/\/[^/]+\/ns\/([^/]+)\//.exec(principal)?.[1] : undefined;
}

function trustDomainOf(principal: string | undefined): string | undefined {
  return principal ? /^spiffe:\/\/([^/]+)/.exec(principal)?.[1] : undefined;
}

/** A claim's values as strings: a string, each string of a list, or a scalar printed. */
function claimValues(claims: Record<string, unknown> | undefined, path: readonly string[]): readonly string[] {
  let value: unknown = claims;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return [];
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  if (typeof value === "number" || typeof value === "boolean") return [String(value)];
  return [];
}

function all(predicates: readonly Predicate[]): Predicate {
  return (r) => predicates.every((p) => p(r));
}
