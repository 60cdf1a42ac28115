// Transition events POSTed to a Rollout's webhooks in Flagger's event shape, so receivers
// written for Flagger (Slack relays, chat bots) read them unchanged.
import type { Rollout } from "../../resources/rollout.ts";
import type { Phase, RolloutEvent } from "./decide.ts";

/** Flagger's event payload. */
export interface WebhookEvent {
  name: string;
  namespace: string;
  phase: Phase;
  metadata: { eventType: RolloutEvent; eventMessage: string; weight: string };
}

export function webhookEvent(rollout: Rollout, event: RolloutEvent, phase: Phase, weight: number, message: string): WebhookEvent {
  return { name: rollout.metadata.name, namespace: rollout.metadata.namespace, phase, metadata: { eventType: event, eventMessage: message, weight: String(weight) } };
}

/** The hooks that want `event` (no `events` list, or an empty one: every event). */
export function hooksFor(rollout: Rollout, event: RolloutEvent): NonNullable<Rollout["spec"]["webhooks"]> {
  return (rollout.spec.webhooks ?? []).filter((hook) => !hook.events?.length || hook.events.includes(event));
}

/** POSTs the event to each hook that wants it; a failing hook is logged, never retried, never blocks the rollout. */
export async function sendWebhooks(rollout: Rollout, payload: WebhookEvent): Promise<void> {
  await Promise.all(
    hooksFor(rollout, payload.metadata.eventType).map(async (hook) => {
      try {
        const response = await fetch(hook.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload), signal: AbortSignal.timeout(5000) });
        await response.body?.cancel();
        if (!response.ok) throw new Error(`answered ${response.status}`);
      } catch (error) {
        console.warn(JSON.stringify({ msg: "rollout webhook failed", rollout: `${rollout.metadata.namespace}/${rollout.metadata.name}`, webhook: hook.name, error: String(error) }));
      }
    }),
  );
}
