// A small mesh on workerd for the security tests: the real control plane, the gateway, three
// meshed services (front, target, other: test/fixtures/secure-echo; twin-v1 and twin-v2: two
// isolates of one identity that the plain Worker `twin` reaches in turn, as one binding may
// reach several isolates, test/fixtures/alternate), a plain Worker that does not run the
// mesh and answers as asked (impostor, test/fixtures/impostor), and the trust proxy in front
// of target's control-plane binding (test/fixtures/trust-proxy), and a plain Worker that passes
// requests on to target and keeps the mesh headers each carried (tap, test/fixtures/tap). Every Worker has its own socket, so requests go out
// byte for byte (`//admin`, `/%61dmin` arrive as written).
import { Miniflare } from "miniflare";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PublicJwk } from "../../dataplane/security/workload-key.ts";
import { CONTROL_WORKER, GATEWAY_CONFIG, SIDECAR_CONFIG, TEST_ADMIN_TOKEN, controlPlane, meshPeer, meshWorkers, type ConfiguredWorker } from "../harness/mesh.ts";

const ADMIN_TOKEN = TEST_ADMIN_TOKEN;
const CONTROL = CONTROL_WORKER;
export const TRUST_DOMAIN = "cluster.local";
export const MESHED = ["front", "target", "other"] as const;

/** `spiffe://cluster.local/ns/<ns>/sa/<sa>`. */
export const spiffe = (sa: string, ns = "default") => `spiffe://${TRUST_DOMAIN}/ns/${ns}/sa/${sa}`;

export interface RawInit {
  method?: string;
  headers?: Record<string, string>;
  host?: string;
  body?: string;
}

export interface SecurityMesh {
  /** A request as written, to the gateway or straight to one Worker's socket. */
  send(worker: string, path: string, init?: RawInit): Promise<Response>;
  /** `POST /v1/apply`; returns the new snapshot version. */
  apply(yaml: string): Promise<number>;
  /** `DELETE` a resource by its REST path under /v1/namespaces; returns the new snapshot version. */
  remove(path: string): Promise<number>;
  control(path: string, init?: RequestInit): Promise<Response>;
  /** A JWT-SVID from the real CA for the test client identity `default/<sa>` (created on first use). */
  svid(audience: string, options?: { sa?: string; publicKey?: PublicJwk; ttlSeconds?: number }): Promise<string>;
  /** A token signed by the trust proxy's test authority (trusted by target only). */
  mint(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /** Lines the Workers logged (console), newest last. */
  logs: string[];
  /** Waits until `worker` routes by snapshot `version` (probing with an unauthenticated request). */
  settle(worker: string, version: number): Promise<number>;
  dispose(): Promise<void>;
}

/** Starts the mesh; `vars` go to every data-plane Worker. */
export async function startSecurityMesh(options: { refreshMs: number; vars?: Record<string, string> }): Promise<SecurityMesh> {
  const dir = await mkdtemp(join(tmpdir(), "isthmus-sec-"));
  const vars = { ISTHMUS_REFRESH_MS: String(options.refreshMs), ISTHMUS_ACCESS_LOG: "off", ...options.vars };
  const endpoints = { FRONT_V1: "front-v1", TARGET_V1: "target-v1", OTHER_V1: "other-v1", TWIN: "twin", IMPOSTOR: "impostor", TAP: "tap" };
  const meshed = (name: string, service: string, controlVia?: string): ConfiguredWorker => ({
    config: SIDECAR_CONFIG,
    entry: "test/fixtures/secure-echo/worker.ts",
    name,
    identity: { namespace: "default", serviceAccount: service },
    controlVia,
    vars: { ...vars, SERVICE: service },
    serviceBindings: endpoints,
    ownSocket: true,
  });
  const workers = await meshWorkers(dir, [
    controlPlane(),
    { config: GATEWAY_CONFIG, vars, serviceBindings: endpoints, ownSocket: true },
    meshed("front-v1", "front"),
    meshed("target-v1", "target", "trust-proxy"),
    meshed("other-v1", "other"),
    meshed("twin-v1", "twin"),
    meshed("twin-v2", "twin"),
    { name: "twin", entry: "test/fixtures/alternate/worker.ts", serviceBindings: { A: "twin-v1", B: "twin-v2" }, ownSocket: true },
    { name: "tap", entry: "test/fixtures/tap/worker.ts", serviceBindings: { TARGET: "target-v1" }, ownSocket: true },
    { name: "impostor", entry: "test/fixtures/impostor/worker.ts", ownSocket: true },
    { name: "trust-proxy", entry: "test/fixtures/trust-proxy/worker.ts", serviceBindings: { CONTROL: meshPeer({ namespace: "default", serviceAccount: "target" }) }, ownSocket: true },
  ]);
  const logs: string[] = [];
  const mf = new Miniflare({
    workers,
    durableObjectsPersist: join(dir, "do"),
    kvPersist: join(dir, "kv"),
    handleStructuredLogs: ({ message }: { message: string }) => {
      logs.push(message);
      if (process.env.ISTHMUS_TEST_LOGS) process.stderr.write(`${message}\n`);
    },
  });
  await mf.ready;
  const origins = new Map<string, URL>();
  for (const worker of workers) if (worker.name !== CONTROL) origins.set(worker.name!, await mf.unsafeGetDirectURL(worker.name!));
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });

  const controlApi = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${ADMIN_TOKEN}`);
    const worker = await mf.getWorker(CONTROL);
    return (await worker.fetch(`http://control.test${path}`, { ...init, headers } as never)) as unknown as Response;
  };
  const joinTokens = new Map<string, Promise<string>>();
  const joinToken = (sa: string) => {
    let token = joinTokens.get(sa);
    if (!token) {
      token = (async () => {
        const response = await controlApi("/v1/identities", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ namespace: "default", serviceAccount: sa }) });
        const body = (await response.json()) as { joinToken?: string };
        if (!body.joinToken) throw new Error(`identity ${sa}: ${response.status} ${JSON.stringify(body)}`);
        return body.joinToken;
      })();
      joinTokens.set(sa, token);
    }
    return token;
  };
  const send = (worker: string, path: string, init: RawInit = {}) => raw(origins.get(worker)!, agent, path, init);

  return {
    send,
    logs,
    control: controlApi,
    async apply(yaml) {
      const response = await controlApi("/v1/apply", { method: "POST", headers: { "content-type": "application/yaml" }, body: yaml });
      const body = await response.text();
      if (!response.ok) throw new Error(`apply failed: ${response.status} ${body}`);
      const snapshot = (await (await controlApi("/v1/snapshot")).json()) as { version: number };
      return snapshot.version;
    },
    async remove(path) {
      const response = await controlApi(`/v1/namespaces/${path}`, { method: "DELETE" });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`delete ${path}: ${response.status}`);
      return ((await (await controlApi("/v1/snapshot")).json()) as { version: number }).version;
    },
    async svid(audience, { sa = "test-client", publicKey, ttlSeconds } = {}) {
      const response = await controlApi("/v1/svids/jwt", {
        method: "POST",
        headers: { authorization: `Bearer ${await joinToken(sa)}`, "content-type": "application/json" },
        body: JSON.stringify({ audience, ...(publicKey ? { publicKey } : {}), ...(ttlSeconds ? { ttlSeconds } : {}) }),
      });
      const body = (await response.json()) as { token?: string };
      if (!body.token) throw new Error(`svid: ${response.status} ${JSON.stringify(body)}`);
      return body.token;
    },
    async mint(claims, header) {
      const response = await send("trust-proxy", "/mint", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ claims, header }) });
      return response.text();
    },
    async settle(worker, version) {
      const started = Date.now();
      while (Date.now() - started < 15_000) {
        const response = await send(worker, "/__settle");
        await response.arrayBuffer();
        if (Number(response.headers.get("x-isthmus-snapshot")) >= version) return Date.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`${worker} did not reach snapshot ${version} within 15 s`);
    },
    async dispose() {
      agent.destroy();
      await mf.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// Node's http client sends the path exactly as given; fetch would normalize it first.
function raw(origin: URL, agent: Agent, path: string, init: RawInit): Promise<Response> {
  const headers = init.headers ?? {};
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: origin.hostname, port: origin.port, path, method: init.method ?? "GET", headers: { ...headers, host: init.host ?? "mesh.test:8080" }, agent },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", reject);
        incoming.on("end", () => {
          const out = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) for (const one of Array.isArray(value) ? value : [value ?? ""]) out.append(name, one);
          resolve(new Response(incoming.statusCode === 204 ? null : Buffer.concat(chunks), { status: incoming.statusCode ?? 0, headers: out }));
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(init.body);
  });
}
