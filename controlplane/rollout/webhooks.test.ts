import { describe, expect, it } from "vitest";
import type { Rollout } from "../../resources/rollout.ts";
import { validateResource } from "../../resources/validate.ts";
import { hooksFor, webhookEvent } from "./webhooks.ts";

const rollout = validateResource({
  apiVersion: "rollouts.isthmus.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "reviews", namespace: "shop" },
  spec: {
    service: "reviews", stableSubset: "v1", canarySubset: "v3", virtualService: "reviews", stepWeight: 10,
    webhooks: [{ name: "all", url: "https://a.example/hook" }, { name: "empty", url: "https://b.example/hook", events: [] }, { name: "rollbacks", url: "https://c.example/hook", events: ["rollback"] }],
  },
}) as Rollout;

describe("webhooks", () => {
  it("builds Flagger's event shape", () => {
    expect(webhookEvent(rollout, "advance", "Progressing", 0.5, "step 1: 0.5%")).toEqual({
      name: "reviews", namespace: "shop", phase: "Progressing",
      metadata: { eventType: "advance", eventMessage: "step 1: 0.5%", weight: "0.5" },
    });
  });

  it("sends each event to the hooks that want it; no list or an empty one means all", () => {
    expect(hooksFor(rollout, "advance").map((h) => h.name)).toEqual(["all", "empty"]);
    expect(hooksFor(rollout, "rollback").map((h) => h.name)).toEqual(["all", "empty", "rollbacks"]);
  });
});
