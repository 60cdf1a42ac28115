import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTROL_WORKER, GATEWAY_CONFIG, SIDECAR_CONFIG, TEST_SECRETS, controlPlane, meshPeer, meshWorkers } from "./mesh.ts";

describe("meshWorkers", () => {
  let buildDir: string;
  beforeAll(async () => {
    buildDir = await mkdtemp(join(tmpdir(), "isthmus-harness-"));
  });
  afterAll(() => rm(buildDir, { recursive: true, force: true }));

  it("runs the control plane with wrangler.toml's Durable Objects, KV and vars, plus the test secrets", async () => {
    const [all, without] = await meshWorkers(buildDir, [controlPlane(), controlPlane({ withoutDurableObjects: ["ROLLOUTS"], vars: { ISTHMUS_TRUST_DOMAIN: "example.org" } })]);
    expect(all!.name).toBe(CONTROL_WORKER);
    expect(Object.keys(all!.durableObjects ?? {}).sort()).toEqual(["CA", "MESH_CONTROL", "ROLLOUTS", "TELEMETRY"]);
    expect(all!.durableObjects?.ROLLOUTS).toMatchObject({ className: "RolloutController" });
    expect(all!.kvNamespaces).toEqual({ ISTHMUS_SNAPSHOTS: { id: "ISTHMUS_SNAPSHOTS" } });
    expect(all!.bindings).toEqual({ ISTHMUS_TRUST_DOMAIN: "cluster.local", ...TEST_SECRETS });
    expect(Object.keys(without!.durableObjects ?? {}).sort()).toEqual(["CA", "MESH_CONTROL", "TELEMETRY"]);
    expect(without!.bindings).toMatchObject({ ISTHMUS_TRUST_DOMAIN: "example.org" });
  });

  it("keeps a data-plane config's identity and runtime, and puts the test's endpoints in place of the deployed mesh's", async () => {
    const [gateway] = await meshWorkers(buildDir, [{ config: GATEWAY_CONFIG, vars: { ISTHMUS_REFRESH_MS: "200" }, serviceBindings: { ECHO_V1: "echo-v1" }, ownSocket: true }]);
    expect(gateway!.name).toBe("isthmus-gateway");
    expect(gateway!.serviceBindings).toEqual({
      ECHO_V1: "echo-v1",
      ISTHMUS_CONTROL: { name: CONTROL_WORKER, entrypoint: "MeshPeer", props: { namespace: "istio-system", serviceAccount: "istio-ingressgateway-service-account" } },
    });
    expect(gateway!.bindings).toEqual({ ISTHMUS_REFRESH_MS: "200" });
    expect(gateway!.kvNamespaces).toEqual({ ISTHMUS_SNAPSHOTS: { id: "ISTHMUS_SNAPSHOTS" } });
    expect(gateway!.unsafeDirectSockets).toEqual([{ host: "127.0.0.1", port: 0 }]);
  });

  it("runs a fixture on the sidecar template under its own identity, without the template's service vars", async () => {
    const [echo, sidecar] = await meshWorkers(buildDir, [
      { config: SIDECAR_CONFIG, entry: "test/fixtures/echo/worker.ts", name: "echo-v1", identity: { namespace: "default", serviceAccount: "echo" }, controlVia: "control-proxy", vars: { SERVICE: "echo" } },
      { config: SIDECAR_CONFIG, name: "echo-v2", vars: { ISTHMUS_SERVICE: "echo" }, serviceBindings: { UPSTREAM: "echo-v2-app" } },
    ]);
    expect(echo!.name).toBe("echo-v1");
    expect(echo!.compatibilityFlags).toEqual(["nodejs_als"]);
    expect(echo!.bindings).toEqual({ SERVICE: "echo" });
    expect(echo!.serviceBindings?.ISTHMUS_CONTROL).toEqual({ name: "control-proxy", entrypoint: "MeshPeer", props: { namespace: "default", serviceAccount: "echo" } });
    expect(echo!.scriptPath).toBe(join(buildDir, "test-fixtures-echo-worker-ts.mjs"));
    // Without a fixture the sidecar itself runs, its config's vars under the test's.
    expect(sidecar!.scriptPath).toBe(join(buildDir, "workers-sidecar-worker-ts.mjs"));
    expect(sidecar!.bindings).toMatchObject({ ISTHMUS_SERVICE: "echo", ISTHMUS_VERSION: "v1", ISTHMUS_NAMESPACE: "default" });
    expect(sidecar!.serviceBindings?.UPSTREAM).toBe("echo-v2-app");
  });

  it("bundles a plain Worker with only what the test gives it", async () => {
    const [tap] = await meshWorkers(buildDir, [{ name: "tap", entry: "test/fixtures/tap/worker.ts", serviceBindings: { TARGET: meshPeer({ namespace: "default", serviceAccount: "t" }) } }]);
    expect(tap).toMatchObject({ name: "tap", modules: true, modulesRoot: buildDir, serviceBindings: { TARGET: { name: CONTROL_WORKER, props: { serviceAccount: "t" } } } });
    expect(tap!.bindings).toBeUndefined();
    expect(tap!.durableObjects).toBeUndefined();
  });

  it("refuses an identity for a Worker whose config has no control-plane binding", async () => {
    await expect(meshWorkers(buildDir, [{ ...controlPlane(), identity: { namespace: "default", serviceAccount: "x" } }])).rejects.toThrow(/wrangler\.toml: has no ISTHMUS_CONTROL binding/);
  });
});
