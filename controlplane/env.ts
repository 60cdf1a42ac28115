import type { MeshControl } from "./config/mesh-control.ts";
import type { RolloutController } from "./rollout/controller.ts";
import type { Principal } from "./http/auth.ts";

/** Bindings and variables of the control-plane Worker (wrangler.toml). */
export interface Env {
  MESH_CONTROL: DurableObjectNamespace<MeshControl>;
  CA?: DurableObjectNamespace;
  TELEMETRY?: DurableObjectNamespace;
  /** One RolloutController per Rollout, named `namespace/name`. */
  ROLLOUTS?: DurableObjectNamespace<RolloutController>;
  /** KV namespace the control plane writes the last-known-good snapshot to, once per version (data planes read it on a cold start). */
  ISTHMUS_SNAPSHOTS?: KVNamespace;
  /** The first admin token (a secret, or `.dev.vars` locally). */
  ISTHMUS_ADMIN_TOKEN?: string;
  /** Trust domain of the mesh; default `cluster.local`. */
  ISTHMUS_TRUST_DOMAIN?: string;
  ISTHMUS_CA_WRAPPING_KEY?: string;
  /** The control plane's public URL: the OIDC discovery document's issuer (never the request's Host). */
  ISTHMUS_PUBLIC_URL?: string;
  /** Extra readiness checks for `/readyz`, comma-separated; see controlplane/http/readiness.ts. */
  ISTHMUS_READY_CHECKS?: string;
  /** Metric labels to drop, comma-separated (telemetry). */
  ISTHMUS_DROP_LABELS?: string;
  /** Telemetry shards (Durable Objects) isolates' flushes spread over; default 8. */
  ISTHMUS_TELEMETRY_SHARDS?: string;
  /** Workers Analytics Engine dataset for Istio's request series (production sink); see controlplane/telemetry/analytics-engine.ts. */
  ISTHMUS_ANALYTICS?: AnalyticsEngineDataset;
  /** The dataset's name for SQL API reads; default isthmus_telemetry. */
  ISTHMUS_ANALYTICS_DATASET?: string;
  ISTHMUS_ANALYTICS_ACCOUNT_ID?: string;
  /** API token with Account Analytics Read (a secret): /metrics and /v1/stats query the SQL API with it. */
  ISTHMUS_ANALYTICS_API_TOKEN?: string;
  /** Uncaught errors go to Sentry (toucan-js) when set. */
  SENTRY_DSN?: string;
}

/** Hono typing of the control API: `c.env` and what middleware leaves in `c.var`. */
export type ControlEnv = { Bindings: Env; Variables: { principal: Principal } };

/** The one MeshControl instance of the mesh. */
export function meshControl(env: Env): DurableObjectStub<MeshControl> {
  return env.MESH_CONTROL.get(env.MESH_CONTROL.idFromName("mesh"));
}
