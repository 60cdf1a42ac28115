// The registry bound to its writers, through the real control-plane Worker: a dataplane token
// is bound to one workload at minting and writes only that workload's endpoints.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../../../test/harness/control-plane.ts";

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane();
  const applied = await cp.request("/v1/apply", {
    body: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews }
spec:
  hosts: [reviews]
  endpoints: [{ address: "worker://reviews-v1", serviceAccount: bookinfo-reviews }]
`,
  });
  expect(applied.status).toBe(200);
});
afterAll(() => cp?.dispose());

async function dataplane(serviceAccount: string, namespace = "default"): Promise<string> {
  const response = await cp.request("/v1/tokens", { body: { name: `dp-${serviceAccount}`, role: "dataplane", namespace, serviceAccount } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

async function refused(response: Promise<Response>, status: number, code: string): Promise<{ message: string; details: { path: string }[] }> {
  const answer = await response;
  const body = (await answer.json()) as { error: { code: string; message: string; details: { path: string }[] } };
  expect(answer.status, JSON.stringify(body)).toBe(status);
  expect(body.error.code).toBe(code);
  return body.error;
}

describe("dataplane tokens", () => {
  it("are bound to a workload identity at minting, and only they are", async () => {
    const missing = await refused(cp.request("/v1/tokens", { body: { name: "dp", role: "dataplane", namespace: "default" } }), 400, "malformed");
    expect(missing.details.map((d) => d.path)).toEqual(["serviceAccount"]);
    const extra = await refused(cp.request("/v1/tokens", { body: { name: "ed", role: "editor", namespace: "default", serviceAccount: "x" } }), 400, "malformed");
    expect(extra.details.map((d) => d.path)).toEqual(["namespace", "serviceAccount"]);
    await refused(cp.request("/v1/tokens", { body: { name: "dp", role: "dataplane", namespace: "Default!", serviceAccount: "x" } }), 400, "malformed");
    await dataplane("listed");
    const list = (await (await cp.request("/v1/tokens")).json()) as { items: { name: string; namespace?: string; serviceAccount?: string }[] };
    expect(list.items.find((t) => t.name === "dp-listed")).toMatchObject({ namespace: "default", serviceAccount: "listed" });
  });
});

describe("registry writes by a data plane", () => {
  it("registers its own service, recording who and as which service account, which the snapshot carries", async () => {
    const token = await dataplane("bookinfo-reviews");
    const response = await cp.request("/v1/registry/endpoints", { token, body: { service: "reviews", address: "worker://reviews-v3", labels: { version: "v3" } } });
    expect(response.status).toBe(201);
    const endpoint = (await response.json()) as { id: string };
    expect(endpoint).toMatchObject({ serviceAccount: "bookinfo-reviews", registeredBy: "token:dp-bookinfo-reviews" });
    const snapshot = (await (await cp.request("/v1/snapshot")).json()) as { resources: { kind: string; metadata: { name: string }; spec: { endpoints: unknown[] } }[] };
    const entry = snapshot.resources.find((r) => r.kind === "ServiceEntry" && r.metadata.name === "reviews")!;
    expect(entry.spec.endpoints).toContainEqual({ address: "worker://reviews-v3", labels: { version: "v3" }, serviceAccount: "bookinfo-reviews" });
    expect((await cp.request(`/v1/registry/endpoints/${endpoint.id}/heartbeat`, { token, method: "POST" })).status).toBe(200);
    expect((await cp.request(`/v1/registry/endpoints/${endpoint.id}`, { token, method: "DELETE" })).status).toBe(200);
  });

  it("refuses another service, namespace or service account, and an https hijack, storing nothing", async () => {
    const token = await dataplane("front");
    const before = await (await cp.request("/v1/registry/endpoints")).text();
    const version = ((await (await cp.request("/v1/snapshot")).json()) as { version: number }).version;
    for (const body of [
      { service: "reviews", address: "https://attacker.example" },
      { service: "reviews", address: "worker://front-v1" },
      { service: "front", namespace: "prod", address: "worker://front-v1" },
      { service: "front", address: "worker://front-v1", serviceAccount: "bookinfo-reviews" },
    ]) {
      await refused(cp.request("/v1/registry/endpoints", { token, body }), 403, "registry_identity_mismatch");
    }
    expect(await (await cp.request("/v1/registry/endpoints")).text()).toBe(before);
    expect(((await (await cp.request("/v1/snapshot")).json()) as { version: number }).version).toBe(version);
  });

  it("may not heartbeat, remove or re-register an endpoint of another workload, nor one an editor registered", async () => {
    const owner = await dataplane("bookinfo-reviews");
    const intruder = await dataplane("ratings");
    const own = (await (await cp.request("/v1/registry/endpoints", { token: owner, body: { service: "reviews", address: "worker://reviews-v2" } })).json()) as { id: string };
    const byEditor = (await (await cp.request("/v1/registry/endpoints", { body: { service: "ratings", address: "worker://ratings-v9" } })).json()) as { id: string };
    await refused(cp.request(`/v1/registry/endpoints/${own.id}/heartbeat`, { token: intruder, method: "POST" }), 403, "registry_not_owner");
    await refused(cp.request(`/v1/registry/endpoints/${own.id}`, { token: intruder, method: "DELETE" }), 403, "registry_not_owner");
    await refused(cp.request(`/v1/registry/endpoints/${byEditor.id}`, { token: intruder, method: "DELETE" }), 403, "registry_not_owner");
    await refused(cp.request("/v1/registry/endpoints", { token: intruder, body: { service: "ratings", address: "worker://ratings-v9" } }), 403, "registry_not_owner");
    const listed = (await (await cp.request("/v1/registry/endpoints")).json()) as { items: { id: string; serviceAccount?: string; registeredBy: string }[] };
    expect(listed.items.find((e) => e.id === own.id)).toMatchObject({ serviceAccount: "bookinfo-reviews" });
    expect(listed.items.find((e) => e.id === byEditor.id)).toMatchObject({ registeredBy: "admin" });
    expect(listed.items.find((e) => e.id === byEditor.id)!.serviceAccount).toBeUndefined();
    // Editors and admins keep full rights.
    expect((await cp.request(`/v1/registry/endpoints/${own.id}`, { method: "DELETE" })).status).toBe(200);
  });
});

describe("registry addresses", () => {
  it("refuses http(s) addresses at private ranges unless an editor allows them; a data plane may not", async () => {
    const token = await dataplane("bookinfo-reviews");
    const before = await (await cp.request("/v1/registry/endpoints")).text();
    for (const address of ["http://127.0.0.1:8080", "https://169.254.169.254", "https://10.1.2.3", "http://[::1]:80", "https://localhost", "http://0x7f.1"]) {
      const error = await refused(cp.request("/v1/registry/endpoints", { token, body: { service: "reviews", address } }), 400, "malformed");
      expect(error.details.map((d) => d.path), address).toEqual(["address"]);
    }
    await refused(cp.request("/v1/registry/endpoints", { token, body: { service: "reviews", address: "http://127.0.0.1:8080", allowPrivateAddresses: true } }), 403, "registry_private_address");
    expect(await (await cp.request("/v1/registry/endpoints")).text()).toBe(before);
    const byEditor = await cp.request("/v1/registry/endpoints", { body: { service: "reviews", address: "http://127.0.0.1:8080", allowPrivateAddresses: true } });
    expect(byEditor.status).toBe(201);
    const record = (await byEditor.json()) as { id: string; allowPrivateAddresses?: unknown };
    expect(record.allowPrivateAddresses).toBeUndefined();
    expect((await cp.request(`/v1/registry/endpoints/${record.id}`, { method: "DELETE" })).status).toBe(200);
  });
});
