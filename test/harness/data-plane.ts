// Starts a small mesh on workerd for the data-plane tests: the real control-plane Worker
// (built from wrangler.toml), the gateway Worker, echo services in several versions
// wrapped with withMesh, and one plain echo service behind the standalone sidecar, all
// joined by real service bindings. Config goes in through the REST API.
import { Miniflare } from "miniflare";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONTROL_WORKER, GATEWAY_CONFIG, SIDECAR_CONFIG, TEST_ADMIN_TOKEN, bindingOf, controlPlane, meshPeer, meshWorkers, type Identity, type MeshWorker } from "./mesh.ts";

export { bindingOf };
export const ADMIN_TOKEN = TEST_ADMIN_TOKEN;
const CONTROL = CONTROL_WORKER;
const PROXY = "control-proxy";
export const GATEWAY = "isthmus-gateway";

/** One echo Worker: `name` is its Worker name and its `worker://` address. */
export interface EchoWorker {
  name: string;
  service: string;
  version: string;
  /** Answer 503 to everything. */
  broken?: boolean;
  /** Serve it plain, behind the standalone sidecar Worker named `name` (the app is `name-app`). */
  behindSidecar?: boolean;
}

export interface TestMesh {
  mf: Miniflare;
  /** A request through the gateway (URL host and port as a client would send them). */
  gateway(path: string, init?: RequestInit & { host?: string }): Promise<Response>;
  /** A request straight to one Worker (bypassing the gateway). */
  worker(name: string, path: string, init?: RequestInit): Promise<Response>;
  /** `POST /v1/apply` with the admin token; throws unless 2xx. Returns the body. */
  apply(yaml: string): Promise<unknown>;
  /** Any control API call with the admin token. */
  control(path: string, init?: RequestInit): Promise<Response>;
  /**
   * Headers that authenticate a test client (identity `default/test-client`, from the CA's
   * REST API) to the echo Worker `name`, which STRICT peer authentication requires of a
   * request sent straight to it.
   */
  credentials(name: string): Promise<Record<string, string>>;
  /** The control plane's current snapshot version. */
  snapshotVersion(): Promise<number>;
  /** Polls a Worker (through `probe`) until it routes by at least `version`; returns the ms waited. */
  settle(version: number, probe?: () => Promise<Response>): Promise<number>;
  /**
   * Restarts every Worker (fresh isolates, module state gone; KV and Durable Objects kept),
   * optionally with the control plane unreachable from the start.
   */
  restart(options: { controlPlaneDown: boolean }): Promise<void>;
  /** Make snapshot pulls fail (true) or work again (false), without restarting anything. */
  controlPlaneDown(down: boolean): Promise<void>;
  dispose(): Promise<void>;
}

/** Starts the test mesh; the caller applies config and disposes it. */
export async function startTestMesh(options: {
  echoes: EchoWorker[];
  refreshMs?: number;
  /**
   * Put the switchable control-proxy between the data plane and the control plane, so
   * `controlPlaneDown` works. Its binding carries one identity for everyone, so leave it
   * off where identity matters.
   */
  outageSwitch?: boolean;
  /** Extra vars for every data-plane Worker (gateway and echoes), e.g. ISTHMUS_TELEMETRY_FLUSH_MS. */
  vars?: Record<string, string>;
}): Promise<TestMesh> {
  const dir = await mkdtemp(join(tmpdir(), "isthmus-dp-"));
  const refresh = String(options.refreshMs ?? 200);
  // Access logs of tens of thousands of test requests would only slow the run down.
  const quiet = { ISTHMUS_ACCESS_LOG: "off", ...options.vars };
  const controlVia = options.outageSwitch ? PROXY : undefined;
  // Every data-plane Worker can reach every endpoint, as a deployed mesh's bindings would allow.
  const endpoints = Object.fromEntries(options.echoes.map((echo) => [bindingOf(echo.name), echo.name]));
  const gatewayIdentity: Identity = { namespace: "istio-system", serviceAccount: "istio-ingressgateway-service-account" };

  const specs: MeshWorker[] = [
    // Its own socket: clients reach the edge directly, as on Cloudflare (and fast enough for 10,000 requests).
    { config: GATEWAY_CONFIG, name: GATEWAY, controlVia, vars: { ISTHMUS_REFRESH_MS: refresh, ...quiet }, serviceBindings: endpoints, ownSocket: true },
    // The control plane writes last-known-good into the KV namespace the data plane reads on a cold start (both configs bind it).
    controlPlane(),
    {
      name: PROXY,
      entry: "test/fixtures/control-proxy/worker.ts",
      serviceBindings: {
        CONTROL: meshPeer({ namespace: "istio-system", serviceAccount: "control-proxy" }),
        // One binding per workload identity, so the proxy forwards identity requests as the caller.
        ...Object.fromEntries(
          [gatewayIdentity, ...options.echoes.map((echo) => ({ namespace: "default", serviceAccount: echo.service }))].map((identity) => [
            `CONTROL__${bindingOf(identity.namespace)}__${bindingOf(identity.serviceAccount)}`,
            meshPeer(identity),
          ]),
        ),
      },
    },
  ];
  for (const echo of options.echoes) {
    const identity = { namespace: "default", serviceAccount: echo.service };
    const vars = { SERVICE: echo.service, VERSION: echo.version, ISTHMUS_REFRESH_MS: refresh, ...quiet, ...(echo.broken ? { BROKEN: "1" } : {}) };
    if (!echo.behindSidecar) {
      specs.push({ config: SIDECAR_CONFIG, entry: "test/fixtures/echo/worker.ts", name: echo.name, identity, controlVia, vars, serviceBindings: endpoints });
      continue;
    }
    const app = `${echo.name}-app`;
    specs.push({
      config: SIDECAR_CONFIG,
      name: echo.name,
      identity,
      controlVia,
      vars: { ISTHMUS_SERVICE: echo.service, ISTHMUS_NAMESPACE: "default", ISTHMUS_VERSION: echo.version, ISTHMUS_SERVICE_ACCOUNT: echo.service, ISTHMUS_REFRESH_MS: refresh, ...quiet },
      serviceBindings: { ...endpoints, UPSTREAM: app },
    });
    // The plain service calls out through its sidecar's outbound entrypoint.
    specs.push({ name: app, entry: "test/fixtures/echo/service.ts", vars, serviceBindings: { MESH: { name: echo.name, entrypoint: "MeshOutbound" } } });
  }
  const workers = await meshWorkers(dir, specs);

  const miniflareOptions = { workers, kvPersist: join(dir, "kv"), durableObjectsPersist: join(dir, "do") };
  const mf = new Miniflare(miniflareOptions);
  await mf.ready;

  let edge = await mf.unsafeGetDirectURL(GATEWAY);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const sendEdge = (path: string, init: RequestInit & { host?: string } = {}) => viaSocket(edge, agent, path, init);
  const send = async (name: string, url: string, init?: RequestInit) => {
    const worker = await mf.getWorker(name);
    return (await worker.fetch(url, init as never)) as unknown as Response;
  };
  const control = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${ADMIN_TOKEN}`);
    return send(CONTROL, `http://control.test${path}`, { ...init, headers });
  };
  let joinToken: Promise<string> | undefined;
  const credentials = async (name: string) => {
    joinToken ??= control("/v1/identities", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ namespace: "default", serviceAccount: "test-client" }) })
      .then((response) => response.json() as Promise<{ joinToken: string }>)
      .then((body) => body.joinToken);
    const service = options.echoes.find((echo) => echo.name === name)?.service ?? name;
    const response = await send(CONTROL, "http://control.test/v1/svids/jwt", {
      method: "POST",
      headers: { authorization: `Bearer ${await joinToken}`, "content-type": "application/json" },
      body: JSON.stringify({ audience: `spiffe://cluster.local/ns/default/sa/${service}` }),
    });
    const body = (await response.json()) as { token?: string };
    if (!body.token) throw new Error(`test client SVID: ${response.status} ${JSON.stringify(body)}`);
    return { "x-isthmus-svid": body.token };
  };
  return {
    mf,
    credentials,
    gateway: sendEdge,
    worker: (name, path, init) => send(name, `http://${name}.test${path}`, init),
    control,
    async apply(yaml) {
      const response = await control("/v1/apply", { method: "POST", headers: { "content-type": "application/yaml" }, body: yaml });
      const body = await response.json();
      if (!response.ok) throw new Error(`apply failed: ${response.status} ${JSON.stringify(body)}`);
      return body;
    },
    async snapshotVersion() {
      const response = await control("/v1/snapshot");
      const body = (await response.json()) as { version: number };
      if (!response.ok) throw new Error(`snapshot: ${response.status} ${JSON.stringify(body)}`);
      return body.version;
    },
    async settle(version, probe = () => sendEdge("/__settle")) {
      const started = Date.now();
      while (Date.now() - started < 10_000) {
        const response = await probe();
        await response.arrayBuffer();
        if (Number(response.headers.get("x-isthmus-snapshot")) >= version) return Date.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`did not reach snapshot ${version} within 10 s`);
    },
    async restart({ controlPlaneDown }) {
      const proxy = workers.find((worker) => worker.name === PROXY)!;
      proxy.bindings = { START_DOWN: controlPlaneDown ? "1" : "0" };
      await mf.setOptions(miniflareOptions);
      edge = await mf.unsafeGetDirectURL(GATEWAY);
    },
    async controlPlaneDown(down) {
      if (!options.outageSwitch) throw new Error("start the test mesh with outageSwitch: true");
      const response = await send(PROXY, `http://proxy.test/${down ? "down" : "up"}`, { method: "POST" });
      await response.arrayBuffer();
    },
    async dispose() {
      agent.destroy();
      await mf.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One HTTP/1.1 request to a Worker's own socket with the Host a client would send
 * (`bookinfo.test:8080` unless `init.host` says otherwise), over a keep-alive agent.
 */
function viaSocket(origin: URL, agent: Agent, path: string, init: RequestInit & { host?: string }): Promise<Response> {
  const headers: Record<string, string> = Object.fromEntries(new Headers(init.headers));
  headers.host = init.host ?? "bookinfo.test:8080";
  const method = init.method ?? "GET";
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: origin.hostname, port: origin.port, path, method, headers, agent }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("error", reject);
      incoming.on("end", () => {
        const status = incoming.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(incoming.headers)) {
          for (const one of Array.isArray(value) ? value : [value ?? ""]) responseHeaders.append(name, one);
        }
        const empty = method === "HEAD" || status === 204 || status === 304;
        resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
      });
    });
    outgoing.on("error", reject);
    if (init.body !== undefined && init.body !== null) outgoing.write(init.body as string);
    outgoing.end();
  });
}
