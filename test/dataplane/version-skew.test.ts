// Version skew between the planes (docs/DEPLOY.md, "Upgrading the mesh"), through real
// Workers on workerd: data planes of an older release against today's control plane (an RPC
// client calling `snapshot(version)` with a bare number and nothing else; an HTTP client
// pulling `GET /v1/snapshot?since=N` without the newer headers), and today's data plane (the
// gateway Worker) against a control plane from before epochs and `snapshotStamp`, with and
// without per-location config sharing.
import type { WorkerOptions } from "miniflare";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotContentHash } from "../../contracts/snapshot/content-hash.ts";
import type { Snapshot } from "../../contracts/snapshot/schema.ts";
import { acceptSnapshot } from "../../dataplane/config/accept.ts";
import { buildWorker } from "../../local/build.mjs";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.ts";

const CONTROL = "isthmus-control";
const LEGACY = "legacy-control";
const GATEWAY_IDENTITY = { namespace: "istio-system", serviceAccount: "istio-ingressgateway-service-account" };

const config = (version: string) => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: istio-system }
spec: { mtls: { mode: PERMISSIVE } }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: echo }
spec:
  hosts: [echo]
  location: MESH_INTERNAL
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints:
  - { address: worker://echo-v1, labels: { app: echo, version: v1 } }
  - { address: worker://echo-v2, labels: { app: echo, version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: echo }
spec:
  host: echo
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 80, name: http, protocol: HTTP }
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: edge }
spec:
  hosts: ["*"]
  gateways: [edge]
  http:
  - route: [{ destination: { host: echo, subset: ${version} } }]
`;

let control: ControlPlane;
let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "isthmus-skew-"));
  const [gateway, echo, legacy, oldClient] = await Promise.all([
    buildWorker("workers/gateway/worker.ts", join(dir, "gateway.mjs")),
    buildWorker("test/fixtures/echo/worker.ts", join(dir, "echo.mjs")),
    buildWorker("test/fixtures/legacy-control-plane/worker.ts", join(dir, "legacy.mjs")),
    buildWorker("test/fixtures/old-snapshot-client/worker.ts", join(dir, "old-client.mjs")),
  ]);
  // The bundles live outside the repository: module names must not climb out of their root.
  const base = { modules: true, modulesRoot: dir, compatibilityDate: "2026-04-26", compatibilityFlags: ["nodejs_als"] };
  const quiet = { ISTHMUS_ACCESS_LOG: "off", ISTHMUS_REFRESH_MS: "100" };
  const echoes = ["v1", "v2"].map((version) => ({
    ...base,
    name: `echo-${version}`,
    scriptPath: echo,
    bindings: { SERVICE: "echo", VERSION: version, ...quiet },
    serviceBindings: { ISTHMUS_CONTROL: { name: CONTROL, entrypoint: "MeshPeer", props: { namespace: "default", serviceAccount: "echo" } } },
  }));
  // Today's gateway bound to the legacy control plane: once pulling every snapshot itself,
  // once sharing config per location (which asks for the stamp the legacy one lacks).
  const gateways = [
    { name: "gateway-direct", vars: {} },
    { name: "gateway-location", vars: { ISTHMUS_CONFIG_CACHE: "isthmus-config", ISTHMUS_STAMP_MS: "100" } },
  ].map(({ name, vars }) => ({
    ...base,
    name,
    scriptPath: gateway,
    bindings: { ...quiet, ...vars },
    serviceBindings: { ISTHMUS_CONTROL: { name: LEGACY, entrypoint: "MeshPeer" }, ECHO_V1: "echo-v1", ECHO_V2: "echo-v2" },
  }));
  control = await startControlPlane({
    withoutDurableObjects: ["ROLLOUTS"],
    workers: [
      ...echoes,
      ...gateways,
      { ...base, name: LEGACY, scriptPath: legacy, serviceBindings: { CONTROL: { name: CONTROL, entrypoint: "MeshPeer", props: GATEWAY_IDENTITY } } },
      { ...base, name: "old-client", scriptPath: oldClient, serviceBindings: { ISTHMUS_CONTROL: { name: CONTROL, entrypoint: "MeshPeer", props: { namespace: "default", serviceAccount: "old-client" } } } },
    ] as WorkerOptions[],
  });
  const applied = await control.request("/v1/apply", { body: config("v1") });
  expect(applied.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await control?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function currentVersion(): Promise<number> {
  const response = await control.request("/v1/snapshot");
  return ((await response.json()) as Snapshot).version;
}

async function oldRpcPull(since?: number): Promise<Snapshot | null> {
  const response = await control.worker("old-client", since === undefined ? "/" : `/?since=${since}`);
  const body = (await response.json()) as { snapshot?: Snapshot | null; error?: string };
  expect(body.error).toBeUndefined();
  return body.snapshot ?? null;
}

/** Polls a gateway until it routes by `version` or later; answers the last response's facts. */
async function routedBy(gateway: string, version: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await control.worker(gateway, "/hello");
    const seen = { status: response.status, pod: response.headers.get("x-pod"), version: Number(response.headers.get("x-isthmus-snapshot")), stale: response.headers.get("x-isthmus-stale") };
    await response.arrayBuffer();
    if ((seen.status === 200 && seen.version >= version) || Date.now() > deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("an older data plane against today's control plane", () => {
  it("RPC: snapshot() and snapshot(version) with a bare number, no bindings, answer a snapshot it can check, or null", async () => {
    const version = await currentVersion();
    const first = await oldRpcPull();
    expect(first).toMatchObject({ version, trustDomain: "cluster.local" });
    // Every member an old data plane read is there, and the hash still covers the same content.
    for (const member of ["hash", "generatedAt", "resources", "endpointHealth", "revokedIdentities"]) expect(first).toHaveProperty(member);
    expect(await snapshotContentHash(first!)).toBe(first!.hash);
    expect(await oldRpcPull(0)).toMatchObject({ version, hash: first!.hash });
    expect(await oldRpcPull(version)).toBeNull();
    expect(await oldRpcPull(version - 1)).toMatchObject({ version });

    const applied = await control.request("/v1/apply", { body: config("v2") });
    expect(applied.status).toBe(200);
    const next = await oldRpcPull(version);
    expect(next!.version).toBeGreaterThan(version);
    expect(next!.hash).not.toBe(first!.hash);
    expect(await oldRpcPull(next!.version)).toBeNull();
  });

  it("HTTP: GET /v1/snapshot?since=N without the bindings header or If-None-Match: 200 when newer, 304 when not", async () => {
    const version = await currentVersion();
    const newer = await control.request(`/v1/snapshot?since=${version - 1}`);
    expect(newer.status).toBe(200);
    const body = (await newer.json()) as Snapshot;
    expect(body.version).toBe(version);
    expect(newer.headers.get("x-isthmus-snapshot")).toBe(String(version));
    expect(await snapshotContentHash(body)).toBe(body.hash);
    const same = await control.request(`/v1/snapshot?since=${version}`);
    expect(same.status).toBe(304);
    const none = await control.request("/v1/snapshot");
    expect(none.status).toBe(200);
    expect(((await none.json()) as Snapshot).version).toBe(version);
  });
});

describe("today's data plane against an older control plane (no epochs, no snapshotStamp)", () => {
  it("pulls each snapshot itself: routes by it and follows a change", async () => {
    await control.request("/v1/apply", { body: config("v1") });
    const v1 = await currentVersion();
    expect(await routedBy("gateway-direct", v1)).toMatchObject({ status: 200, pod: "echo-v1", version: v1, stale: null });
    await control.request("/v1/apply", { body: config("v2") });
    const v2 = await currentVersion();
    expect(await routedBy("gateway-direct", v2)).toMatchObject({ status: 200, pod: "echo-v2", version: v2, stale: null });
  });

  it("sharing config per location, falls back to pulling snapshots when the control plane has no stamp", async () => {
    await control.request("/v1/apply", { body: config("v1") });
    const v1 = await currentVersion();
    expect(await routedBy("gateway-location", v1)).toMatchObject({ status: 200, pod: "echo-v1", version: v1, stale: null });
    await control.request("/v1/apply", { body: config("v2") });
    const v2 = await currentVersion();
    expect(await routedBy("gateway-location", v2)).toMatchObject({ status: 200, pod: "echo-v2", version: v2, stale: null });
  });
});

describe("today's data plane against a newer control plane", () => {
  it("accepts a snapshot with envelope members it does not know (ignored; the hash covers the content)", async () => {
    const current = (await (await control.request("/v1/snapshot")).json()) as Snapshot;
    const accepted = await acceptSnapshot({ ...current, distributedBy: "isthmus 9.9" });
    expect(accepted).toEqual(current);
    await expect(acceptSnapshot({ ...current, resources: [] })).rejects.toMatchObject({ code: "snapshot_rejected" });
  });
});
