// The one mesh builder of the multi-Worker tests: every Worker that deploys from a wrangler
// config (control plane, gateway, sidecar) runs with that config's compatibility, Durable
// Objects, KV namespaces, control-plane binding and vars, as `npm start` and deploy do;
// a test adds only what it is about (its endpoints, identities, vars) on top.
import type { WorkerOptions } from "miniflare";
import { dirname } from "node:path";
import { bundleWorker } from "../../local/build.mjs";
import { CONTROL_CONFIG, GATEWAY_CONFIG } from "../../local/topology.mjs";
import { workerFromConfig } from "../../local/worker-options.mjs";

export { CONTROL_CONFIG, GATEWAY_CONFIG };
/** The generic data-plane template: the standalone sidecar's config (compatibility, ISTHMUS_CONTROL, KV). */
export const SIDECAR_CONFIG = "workers/sidecar/wrangler.toml";
/** The control-plane Worker's name in wrangler.toml, which every ISTHMUS_CONTROL binding names. */
export const CONTROL_WORKER = "isthmus-control";
export const TEST_ADMIN_TOKEN = "test-admin-token";
/** What `wrangler secret put` gives the control plane in production. */
export const TEST_SECRETS: Record<string, string> = { ISTHMUS_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ISTHMUS_CA_WRAPPING_KEY: "test-wrapping-key-0123456789abcdef" };
// Workers without a config of their own (test doubles, proxies) run on the configs' date.
const COMPATIBILITY_DATE = "2026-04-26";

export type ServiceBinding = string | { name: string; entrypoint?: string; props?: Record<string, unknown> };

export interface Identity {
  namespace: string;
  serviceAccount: string;
}

/** A Worker run from a wrangler config, with a test's overrides. */
export interface ConfiguredWorker {
  config: string;
  /** Worker name (its `worker://` address); default the config's. */
  name?: string;
  /**
   * A test fixture to run instead of the config's `main`. It keeps the config's runtime
   * (compatibility, ISTHMUS_CONTROL, KV, Durable Objects) but not its vars, which belong
   * to the config's own service.
   */
  entry?: string;
  /** Who the Worker is: the props of its ISTHMUS_CONTROL binding (default the config's). */
  identity?: Identity;
  /** The Worker ISTHMUS_CONTROL reaches instead of the control plane (a proxy in front of it). */
  controlVia?: string;
  /** Vars (and secrets), over the config's. */
  vars?: Record<string, string>;
  /**
   * The test's service bindings. They replace the config's (which name Workers of the
   * deployed mesh a test does not run); ISTHMUS_CONTROL is kept.
   */
  serviceBindings?: Record<string, ServiceBinding>;
  /** Durable Object bindings of the config to leave out. */
  withoutDurableObjects?: string[];
  /** Serve it on its own socket on 127.0.0.1 (requests arrive byte for byte). */
  ownSocket?: boolean;
}

/** A Worker no config describes: a test double, proxy or plain service. */
export interface PlainWorker {
  name: string;
  entry: string;
  vars?: Record<string, string>;
  serviceBindings?: Record<string, ServiceBinding>;
  ownSocket?: boolean;
}

export type MeshWorker = ConfiguredWorker | PlainWorker;

/** `reviews-v2` -> `REVIEWS_V2`, the binding a `worker://reviews-v2` endpoint goes through. */
export function bindingOf(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** A binding to the control plane's MeshPeer entrypoint as `identity` (for proxies that call it). */
export function meshPeer(identity: Identity): ServiceBinding {
  return { name: CONTROL_WORKER, entrypoint: "MeshPeer", props: { ...identity } };
}

/** The control-plane Worker from wrangler.toml with the test secrets; `vars` go over both. */
export function controlPlane(overrides: Omit<ConfiguredWorker, "config"> = {}): ConfiguredWorker {
  return { ...overrides, config: CONTROL_CONFIG, vars: { ...TEST_SECRETS, ...overrides.vars } };
}

/**
 * Miniflare options for `workers`, in order (the first answers `mf.dispatchFetch`), each
 * bundled into `buildDir`.
 */
export function meshWorkers(buildDir: string, workers: MeshWorker[]): Promise<WorkerOptions[]> {
  // The first reading of a config records it in buildDir; later ones of the same config wait
  // for it and reuse the record (two writing one record at once would collide).
  const read = new Map<string, Promise<unknown>>();
  return Promise.all(
    workers.map((worker) => {
      if (!("config" in worker)) return plain(buildDir, worker);
      const first = read.get(worker.config);
      const options = (first ?? Promise.resolve()).then(() => workerFromConfig(worker.config, { buildDir, main: worker.entry }));
      if (!first) read.set(worker.config, options.catch(() => undefined));
      return options.then(({ options }) => configured(worker, options));
    }),
  );
}

function configured(worker: ConfiguredWorker, options: Record<string, any>): WorkerOptions {
  const control = options.serviceBindings?.ISTHMUS_CONTROL;
  if (!control && (worker.identity || worker.controlVia)) throw new Error(`${worker.config}: has no ISTHMUS_CONTROL binding to give an identity to`);
  const serviceBindings: Record<string, ServiceBinding> = { ...(worker.serviceBindings ?? options.serviceBindings) };
  if (control) {
    serviceBindings.ISTHMUS_CONTROL = {
      ...control,
      ...(worker.controlVia ? { name: worker.controlVia } : {}),
      ...(worker.identity ? { props: { ...worker.identity } } : {}),
    };
  }
  const durableObjects = Object.entries(options.durableObjects ?? {}).filter(([binding]) => !worker.withoutDurableObjects?.includes(binding));
  return {
    ...options,
    name: worker.name ?? options.name,
    bindings: { ...(worker.entry ? {} : options.bindings), ...worker.vars },
    serviceBindings,
    ...(durableObjects.length ? { durableObjects: Object.fromEntries(durableObjects) } : {}),
    ...(worker.ownSocket ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : {}),
  } as WorkerOptions;
}

async function plain(buildDir: string, worker: PlainWorker): Promise<WorkerOptions> {
  const { path } = await bundleWorker(worker.entry, buildDir);
  return {
    name: worker.name,
    modules: true,
    compatibilityDate: COMPATIBILITY_DATE,
    scriptPath: path,
    // Bundles live outside the repository: module names resolve from the build directory.
    modulesRoot: dirname(path),
    ...(worker.vars ? { bindings: worker.vars } : {}),
    ...(worker.serviceBindings ? { serviceBindings: worker.serviceBindings } : {}),
    ...(worker.ownSocket ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : {}),
  } as WorkerOptions;
}
