import type { CompiledMesh } from "../config/compiled.ts";
import type { SnapshotResource } from "../../contracts/snapshot/schema.ts";

/** Istio's root namespace: policies there without a selector apply to the whole mesh. */
export const ROOT_NAMESPACE = "istio-system";

/** The workload facts a policy selects on. */
export interface PolicyTarget {
  namespace: string;
  labels: Record<string, string>;
}

/** `selector.matchLabels` of a policy spec; empty when the policy selects no labels. */
export function matchLabelsOf(resource: SnapshotResource): Record<string, string> {
  const selector = (resource.spec as { selector?: { matchLabels?: Record<string, string> } }).selector;
  return selector?.matchLabels ?? {};
}

/** Whether every selector label is on the workload (an empty selector matches all). */
export function selects(matchLabels: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
}

/**
 * Whether an AuthorizationPolicy or RequestAuthentication applies to a workload, as Istio
 * scopes them: a policy in the root namespace applies in every namespace, one elsewhere
 * only in its own; its selector (if any) must match the workload's labels.
 */
export function appliesTo(resource: SnapshotResource, target: PolicyTarget, rootNamespace = ROOT_NAMESPACE): boolean {
  const ns = resource.metadata.namespace;
  if (ns !== target.namespace && ns !== rootNamespace) return false;
  return selects(matchLabelsOf(resource), target.labels);
}

/** An annotation of a snapshot resource, or undefined. */
export function annotation(resource: SnapshotResource, name: string): string | undefined {
  return resource.metadata.annotations?.[name];
}

/**
 * `decide()` once per snapshot version, workload and `variant` (a port, a root namespace):
 * looked up by the target object first, since a workload lives as long as its isolate and
 * no key need be built per request; then by the target's namespace and labels, for targets
 * made afresh (a callee's identity).
 */
export function perTarget<T>(mesh: Pick<CompiledMesh, "derive">, name: string, target: PolicyTarget, variant: string, decide: () => T): T {
  const memo = mesh.derive(name, newTargetMemo) as TargetMemo<T>;
  let variants = memo.byTarget.get(target);
  const known = variants?.get(variant);
  if (known !== undefined) return known;
  const key = JSON.stringify([target.namespace, target.labels, variant]);
  let decided = memo.byKey.get(key);
  if (decided === undefined) memo.byKey.set(key, (decided = decide()));
  if (!variants) memo.byTarget.set(target, (variants = new Map()));
  variants.set(variant, decided);
  return decided;
}

type TargetMemo<T> = { byTarget: WeakMap<PolicyTarget, Map<string, T>>; byKey: Map<string, T> };

function newTargetMemo(): TargetMemo<unknown> {
  return { byTarget: new WeakMap(), byKey: new Map() };
}
