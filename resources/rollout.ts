import { z } from "zod";
import { parseDuration } from "./duration.ts";
import { Duration, NonEmptyString, Weight } from "./fields.ts";
import { HeaderName, HeaderValue, HttpToken } from "./header-name.ts";
import { Dns1123Subdomain } from "./metadata.ts";
import { publicAddressesOnly } from "./private-address.ts";
import { resourceOf } from "./resource.ts";

/** The API group of the mesh's own kinds (Istio's style, our group). */
export const ROLLOUT_GROUP = "rollouts.isthmus.io";

/** A weight the rollout may set on the canary: 0.01 granularity, above 0, at most 100. */
const StepWeight = Weight.refine((w) => w > 0, { error: "must be above 0" });
// Zod runs this refinement even after Duration's failed: a text that is no duration is Duration's to report.
const PositiveDuration = Duration.refine((text) => !isDuration(text) || parseDuration(text) > 0, { error: "must be longer than 0" });

function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}
const Count = z.number().int("must be a whole number").min(0, "must be 0 or more");

export const RolloutStep = z.strictObject({
  weight: StepWeight,
  /** Canary requests seen in this step before it may advance; default `analysis.minRequests`. */
  minRequests: Count.optional(),
  minDuration: Duration.optional(),
  /** A manual gate before the rollout enters this step. */
  approval: z.boolean().optional(),
});
export type RolloutStep = z.infer<typeof RolloutStep>;

const Geometric = z
  .strictObject({
    startWeight: StepWeight,
    factor: z.number().gt(1, "must be above 1"),
    maxWeight: StepWeight.optional(),
  })
  .refine((g) => g.maxWeight === undefined || g.maxWeight >= g.startWeight, { error: "maxWeight must be at least startWeight", path: ["maxWeight"] });

const HeaderMatch = z.strictObject({ name: HeaderName, exact: HeaderValue });

const PreStage = z
  .strictObject({
    headers: z.array(HeaderMatch).min(1, "must name at least one header").optional(),
    cookie: z.strictObject({ name: HttpToken, value: z.string().regex(/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/, "must be a cookie value") }).optional(),
    minRequests: Count.optional(),
  })
  .refine((p) => p.headers !== undefined || p.cookie !== undefined, { error: "must set headers or cookie" });

const Mirror = z.strictObject({
  percent: z.number().gt(0, "must be above 0").max(100, "must be 0..100").optional(),
  minRequests: Count.optional(),
});

const CustomCheck = z
  .strictObject({
    name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]*$/, "must be a name of letters, digits, '_' or '-'"),
    /** A stats API path and query (`/v1/stats?service=reviews&window=1m`) and the figure to read from it. */
    query: z.string().startsWith("/v1/stats", "must be a path of the stats API, /v1/stats..."),
    /** Dotted path of the number in the answer; default the canary's successRate. */
    field: z.string().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .refine((c) => c.min !== undefined || c.max !== undefined, { error: "must set min or max" });

export const RolloutAnalysis = z.strictObject({
  interval: PositiveDuration.default("10s"),
  minRequests: Count.default(100),
  successRate: z
    .strictObject({
      min: z.number().min(0, "must be 0..100").max(100, "must be 0..100").optional(),
      confidence: z.number().gt(0.5, "must be above 0.5").lt(1, "must be below 1").optional(),
    })
    .optional(),
  latency: z
    .strictObject({
      p99Max: PositiveDuration.optional(),
      p50Max: PositiveDuration.optional(),
      maxRatioToStable: z.number().gt(0, "must be above 0").optional(),
    })
    .optional(),
  custom: z.array(CustomCheck).optional(),
  failureLimit: Count.default(1),
});
export type RolloutAnalysis = z.infer<typeof RolloutAnalysis>;

const Webhook = z.strictObject({
  name: NonEmptyString,
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  /** Event types to send (`advance`, `rollback`, ...); empty or unset: all. */
  events: z.array(z.string()).optional(),
});

export const RolloutSpec = z
  .strictObject({
    service: NonEmptyString,
    stableSubset: NonEmptyString,
    canarySubset: NonEmptyString,
    virtualService: Dns1123Subdomain,
    routes: z.array(NonEmptyString).min(1, "must name at least one route").optional(),
    steps: z.array(RolloutStep).min(1, "must list at least one step").optional(),
    stepWeight: StepWeight.optional(),
    maxWeight: StepWeight.optional(),
    geometric: Geometric.optional(),
    preStage: PreStage.optional(),
    mirror: Mirror.optional(),
    analysis: RolloutAnalysis.default({ interval: "10s", minRequests: 100, failureLimit: 1 }),
    rollbackOn: z.strictObject({ outlierEjection: z.boolean().default(true), exceptions: z.boolean().default(true) }).default({ outlierEjection: true, exceptions: true }),
    webhooks: z.array(Webhook).optional(),
  })
  .superRefine((spec, ctx) => {
    const forms = [spec.steps, spec.stepWeight, spec.geometric].filter((f) => f !== undefined).length;
    if (forms !== 1) ctx.addIssue({ code: "custom", path: ["steps"], message: "set exactly one of steps, stepWeight, geometric" });
    if (spec.maxWeight !== undefined && spec.stepWeight === undefined) ctx.addIssue({ code: "custom", path: ["maxWeight"], message: "goes with stepWeight" });
    if (spec.stableSubset === spec.canarySubset) ctx.addIssue({ code: "custom", path: ["canarySubset"], message: "must differ from stableSubset" });
    spec.steps?.forEach((step, i) => {
      if (i > 0 && step.weight <= spec.steps![i - 1]!.weight) ctx.addIssue({ code: "custom", path: ["steps", i, "weight"], message: "must be above the previous step's weight" });
    });
    const names = new Set<string>();
    spec.webhooks?.forEach((hook, i) => {
      if (names.has(hook.name)) ctx.addIssue({ code: "custom", path: ["webhooks", i, "name"], message: `duplicate webhook name "${hook.name}"` });
      names.add(hook.name);
    });
  });
export type RolloutSpec = z.infer<typeof RolloutSpec>;

export const RolloutResource = resourceOf("Rollout", RolloutSpec).superRefine(
  publicAddressesOnly((rollout: { metadata: { annotations?: Record<string, string> }; spec: RolloutSpec }) =>
    (rollout.spec.webhooks ?? []).map((hook, i): [(string | number)[], string] => [["spec", "webhooks", i, "url"], hook.url]),
  ),
);
/** A Rollout: a canary that advances through weighted steps by its analysis, or rolls back. */
export type Rollout = z.infer<typeof RolloutResource>;
