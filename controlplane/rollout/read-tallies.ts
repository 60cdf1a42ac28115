// Reading the canary's and stable's cumulative counters for a rollout: its service's series
// from the telemetry store, split by the `version` label each subset selects.
import { meshControl, type Env } from "../env.ts";
import { seriesStore, type SeriesStoreEnv } from "../telemetry/store.ts";
import type { DestinationRule } from "../../resources/destination-rule.ts";
import { canonicalHost, meshServiceOf } from "../../resources/hosts.ts";
import type { Rollout } from "../../resources/rollout.ts";
import { tallyVersion, type ReporterTallies } from "./counts.ts";

/** Both sides' cumulative tallies, read at one instant. */
export interface Tallies {
  canary: ReporterTallies;
  stable: ReporterTallies;
}

/** The `version` label each side's subset selects (as telemetry reports it). */
export interface SubsetVersions {
  canary: string;
  stable: string;
}

/** Both sides' tallies from one read of the store. */
export async function readTallies(env: Env, rollout: Rollout, versions: SubsetVersions): Promise<Tallies> {
  const target = serviceOf(rollout);
  const series = await seriesStore(env as SeriesStoreEnv).totals(target);
  return { canary: tallyVersion(series, { ...target, version: versions.canary }), stable: tallyVersion(series, { ...target, version: versions.stable }) };
}

/** Each side's `version` label from one read of the DestinationRules (a subset without one: its name). */
export async function subsetVersions(env: Env, rollout: Rollout): Promise<SubsetVersions> {
  const ns = rollout.metadata.namespace;
  const host = canonicalHost(rollout.spec.service, ns);
  const rules = (await meshControl(env).resources({ kind: "DestinationRule", namespace: ns })) as DestinationRule[];
  const subsets = rules.filter((r) => canonicalHost(r.spec.host, ns) === host).flatMap((r) => r.spec.subsets ?? []);
  const versionOf = (subset: string) => subsets.find((s) => s.name === subset)?.labels?.version ?? subset;
  return { canary: versionOf(rollout.spec.canarySubset), stable: versionOf(rollout.spec.stableSubset) };
}

function serviceOf(rollout: Rollout): { service: string; namespace: string } {
  return meshServiceOf(canonicalHost(rollout.spec.service, rollout.metadata.namespace)) ?? { service: rollout.spec.service, namespace: rollout.metadata.namespace };
}
