// Starts the control-plane Worker (built from wrangler.toml, its Durable Objects included)
// on workerd through Miniflare, for tests that talk to the control API over HTTP or RPC.
import { Miniflare, type WorkerOptions } from "miniflare";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONTROL_WORKER, TEST_ADMIN_TOKEN, controlPlane, meshWorkers } from "./mesh.ts";

export { CONTROL_WORKER, TEST_ADMIN_TOKEN };

export interface ControlPlaneOptions {
  /** Keep Durable Object state in this directory (survives dispose and restart). */
  persistDir?: string;
  adminToken?: string;
  /** Extra vars for the control-plane Worker (e.g. ISTHMUS_READY_CHECKS). */
  vars?: Record<string, string>;
  /** Extra service bindings of the control-plane Worker, by binding name -> Worker name. */
  serviceBindings?: Record<string, string>;
  /** More Workers in the same runtime (e.g. a data-plane Worker bound to MeshPeer). */
  workers?: WorkerOptions[];
  /** Durable Object bindings to leave out (e.g. ROLLOUTS: no controller writes in the background). */
  withoutDurableObjects?: string[];
}

export interface ControlPlane {
  mf: Miniflare;
  adminToken: string;
  /**
   * A request to the control API. `token` defaults to the admin token; `null` sends none.
   * A string or object `body` gets a content type (YAML for strings, JSON for objects) unless
   * given, and makes the method POST unless given; a stream or bytes go as they are.
   */
  request(path: string, init?: Omit<RequestInit, "body"> & { token?: string | null; body?: unknown }): Promise<Response>;
  /** A request to one of the extra Workers. */
  worker(name: string, path: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

let buildDir: Promise<string> | undefined;

/** Builds (once per test file) and starts the control plane. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  buildDir ??= mkdtemp(join(tmpdir(), "isthmus-control-"));
  const adminToken = options.adminToken ?? TEST_ADMIN_TOKEN;
  const [control] = await meshWorkers(await buildDir, [
    controlPlane({
      vars: { ISTHMUS_ADMIN_TOKEN: adminToken, ...options.vars },
      serviceBindings: options.serviceBindings,
      withoutDurableObjects: options.withoutDurableObjects,
    }),
  ]);
  const mf = new Miniflare({
    workers: [control!, ...(options.workers ?? [])],
    durableObjectsPersist: options.persistDir ?? false,
  });
  await mf.ready;
  return {
    mf,
    adminToken,
    async request(path, init = {}) {
      const { token = adminToken, body, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null) headers.set("authorization", `Bearer ${token}`);
      let payload: BodyInit | undefined;
      if (body instanceof ReadableStream || body instanceof Uint8Array) {
        payload = body as BodyInit;
      } else if (typeof body === "string") {
        if (!headers.has("content-type")) headers.set("content-type", "application/yaml");
        payload = body;
      } else if (body !== undefined) {
        if (!headers.has("content-type")) headers.set("content-type", "application/json");
        payload = JSON.stringify(body);
      }
      const response = await mf.dispatchFetch(new URL(path, "http://control.test").href, { method: payload === undefined ? "GET" : "POST", ...rest, headers, body: payload, duplex: "half" } as never);
      return response as unknown as Response;
    },
    async worker(name, path, init) {
      const worker = await mf.getWorker(name);
      return (await worker.fetch(new URL(path, `http://${name}.test`).href, init as never)) as unknown as Response;
    },
    dispose: () => mf.dispose(),
  };
}
