// How the control API reaches a Rollout's controller (type-only import of the class, so
// route modules load outside workerd too).
import type { Env } from "../env.ts";
import type { RolloutController } from "./controller.ts";

/** The controller of the Rollout `namespace/name`, or null where the Worker has no ROLLOUTS binding. */
export function rolloutController(env: Env, namespace: string, name: string): DurableObjectStub<RolloutController> | null {
  const controllers = env.ROLLOUTS;
  return controllers ? controllers.get(controllers.idFromName(`${namespace}/${name}`)) : null;
}
