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

export async function readTallies(env: Env, rollout: Rollout): Promise<Tallies> {
  const target = serviceOf(rollout);
  const series = await seriesStore(env as SeriesStoreEnv).totals(target);
  const [canary, stable] = await Promise.all([versionOf(env, rollout, "canary"), versionOf(env, rollout, "stable")]);
  return { canary: tallyVersion(series, { ...target, version: canary }), stable: tallyVersion(series, { ...target, version: stable }) };
}

/** The `version` label of a subset (as telemetry reports it), or the subset's name. */
export async function versionOf(env: Env, rollout: Rollout, side: "canary" | "stable"): Promise<string> {
  const ns = rollout.metadata.namespace;
  const subset = side === "canary" ? rollout.spec.canarySubset : rollout.spec.stableSubset;
  const host = canonicalHost(rollout.spec.service, ns);
  const rules = (await meshControl(env).resources({ kind: "DestinationRule", namespace: ns })) as DestinationRule[];
  const found = rules.filter((r) => canonicalHost(r.spec.host, ns) === host).flatMap((r) => r.spec.subsets ?? []).find((s) => s.name === subset);
  return found?.labels?.version ?? subset;
}

function serviceOf(rollout: Rollout): { service: string; namespace: string } {
  return meshServiceOf(canonicalHost(rollout.spec.service, rollout.metadata.namespace)) ?? { service: rollout.spec.service, namespace: rollout.metadata.namespace };
}
