// Writing a rollout's traffic into its VirtualService through MeshControl's apply, as a
// user would: a revision by `rollout:<ns>/<name>` whose message gives the reason.
import { meshControl, type Env } from "../env.ts";
import type { Rollout } from "../../resources/rollout.ts";
import type { VirtualService } from "../../resources/virtual-service.ts";
import type { RolloutState } from "./decide.ts";
import { trafficOf, withTraffic } from "./traffic.ts";

/** The revision written (null when nothing changed), or why nothing could be. */
export type WriteResult = { ok: true; revision: number | null } | { ok: false; message: string };

/** Writes the state's traffic into the VirtualService; a revision only when anything changed. */
export async function writeTraffic(env: Env, rollout: Rollout, state: RolloutState, reason: string): Promise<WriteResult> {
  const plan = trafficOf(state, rollout);
  if (!plan) return { ok: true, revision: null };
  const ns = rollout.metadata.namespace;
  const control = meshControl(env);
  // Two tries: a user's write between our read and our apply makes the first stale.
  for (let attempt = 0; attempt < 2; attempt++) {
    const vs = (await control.resource({ kind: "VirtualService", namespace: ns, name: rollout.spec.virtualService })) as VirtualService | null;
    if (!vs) return { ok: false, message: `waiting for VirtualService ${ns}/${rollout.spec.virtualService}` };
    const next = withTraffic(vs, rollout, plan);
    if (!next.ok) return { ok: false, message: `${next.path}: ${next.message}` };
    if (JSON.stringify(next.vs.spec) === JSON.stringify(vs.spec)) return { ok: true, revision: null };
    const outcome = await control.apply([next.vs], { actor: `rollout:${ns}/${rollout.metadata.name}`, message: `rollout ${ns}/${rollout.metadata.name} ${reason}` });
    if (outcome.ok) return { ok: true, revision: outcome.value.revision };
    if (outcome.refusal.code !== "conflict") return { ok: false, message: outcome.refusal.message };
  }
  return { ok: false, message: "the VirtualService kept changing while the rollout wrote it" };
}
