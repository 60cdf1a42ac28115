// Which Workers make up the mesh, as wrangler configs relative to the repository root.
// One list for the local mesh and for deploy; deploy walks it in this order, because a
// Worker's service bindings must name Workers that already exist.

/** The control-plane Worker (control API + Durable Objects). */
export const CONTROL_CONFIG = "wrangler.toml";

/** The edge gateway Worker. */
export const GATEWAY_CONFIG = "workers/gateway/wrangler.toml";

/** Bookinfo, callees before callers. */
export const SERVICE_CONFIGS = [
  "demo/bookinfo/details/wrangler.toml",
  "workers/sidecar/wrangler.toml",
  "demo/bookinfo/ratings/wrangler.toml",
  "demo/bookinfo/reviews/wrangler.v1.toml",
  "demo/bookinfo/reviews/wrangler.v2.toml",
  "demo/bookinfo/reviews/wrangler.v3.toml",
  "demo/bookinfo/productpage/wrangler.toml",
];

/**
 * The only Workers clients reach directly. Every other Worker deploys with `workers_dev =
 * false`, `preview_urls = false` and no routes, so nothing gets around the gateway.
 */
export const PUBLIC_CONFIGS = [CONTROL_CONFIG, GATEWAY_CONFIG];

/** Every Worker config, in deploy order: control plane, services, gateway. */
export const ALL_CONFIGS = [CONTROL_CONFIG, ...SERVICE_CONFIGS, GATEWAY_CONFIG];

/**
 * Secrets each Worker needs before it serves (`wrangler secret put`), beyond any its config
 * declares under `[secrets] required`. Data-plane Workers need none: their binding props
 * are their credential.
 * @type {Record<string, string[]>}
 */
export const REQUIRED_SECRETS = {
  [CONTROL_CONFIG]: ["ISTHMUS_ADMIN_TOKEN", "ISTHMUS_CA_WRAPPING_KEY"],
};

/** Secrets any Worker may take: set them to turn the feature on. */
export const OPTIONAL_SECRETS = ["SENTRY_DSN"];

/** The resources the local mesh applies on first start (Istio YAML, applied in order). */
export const DEFAULT_CONFIG_FILES = [
  "demo/bookinfo/config/services.yaml",
  "demo/bookinfo/config/destination-rules.yaml",
  "demo/bookinfo/config/routes-v1.yaml",
  "demo/bookinfo/config/gateway.yaml",
];

/** Workload identities of the demo: Bookinfo's service accounts, and the gateway's. */
export const DEMO_IDENTITIES = [
  { namespace: "istio-system", serviceAccount: "istio-ingressgateway-service-account" },
  { namespace: "default", serviceAccount: "bookinfo-productpage" },
  { namespace: "default", serviceAccount: "bookinfo-details" },
  { namespace: "default", serviceAccount: "bookinfo-reviews" },
  { namespace: "default", serviceAccount: "bookinfo-ratings" },
];
