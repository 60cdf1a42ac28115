import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bootstrapMesh } from "./bootstrap.mjs";
import { startLocalMesh, type LocalMesh } from "./mesh.mjs";

const PRODUCTPAGE_ABORT = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: productpage
spec:
  hosts: [productpage]
  http:
    - fault:
        abort:
          percentage: { value: 100 }
          httpStatus: 503
      route:
        - destination: { host: productpage, subset: v1 }
`;

describe("startLocalMesh (in-process, ephemeral)", () => {
  let mesh: LocalMesh | undefined;
  let stateDir = "";
  afterAll(async () => {
    await mesh?.dispose();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("runs every Worker on free ports, bootstraps through the API, and keeps no state", async () => {
    stateDir = await mkdtemp(join(tmpdir(), "isthmus-mesh-"));
    mesh = await startLocalMesh({
      stateDir,
      adminToken: "mesh-test-token",
      controlPort: 0,
      gatewayPort: 0,
      persist: false,
      refreshMs: 200,
      servicePorts: { "bookinfo-details-v1-app": 0, "bookinfo-reviews-v2": 0 },
    });
    expect(mesh.workers).toEqual(expect.arrayContaining(["isthmus-control", "isthmus-gateway", "bookinfo-reviews-v3", "bookinfo-details-v1"]));
    expect(new URL(mesh.gatewayUrl).port).not.toBe("8080");

    const { notes } = await bootstrapMesh({ controlUrl: mesh.controlUrl, adminToken: "mesh-test-token", stateDir });
    expect(notes.join("\n")).toMatch(/applied the default configuration/);

    const deadline = Date.now() + 30_000;
    let ready = 0;
    while (Date.now() < deadline && ready !== 200) {
      ready = (await fetch(`${mesh.controlUrl}/readyz`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ready).toBe(200);
    const html = await (await fetch(`${mesh.gatewayUrl}/productpage`)).text();
    expect(html).toContain("Reviews served by: reviews-v1");

    // A Worker given a port is reachable directly, outside the mesh.
    const details = await fetch(`${mesh.serviceUrls["bookinfo-details-v1-app"]}/details/3`);
    expect(await details.json()).toMatchObject({ id: 3, podname: "details-v1" });

    // A meshed Worker answers the mesh's readiness path before authentication (so probes are
    // not authentication failures); anything else without an identity is refused.
    const reviews = mesh.serviceUrls["bookinfo-reviews-v2"];
    expect((await fetch(`${reviews}/.well-known/isthmus/ready`)).status).toBe(204);
    const refused = await fetch(`${reviews}/reviews/1`);
    expect([refused.status, refused.headers.get("x-isthmus-error")]).toEqual([401, "unauthenticated"]);

    // /readyz reflects health and bootstrap, not the user's routes: with the gateway's route
    // deleted and productpage's own route changed, Bookinfo is unreachable yet the mesh is ready.
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${mesh!.controlUrl}${path}`, { ...init, headers: { authorization: "Bearer mesh-test-token", ...init.headers } });
    const applied = await api("/v1/apply", { method: "POST", headers: { "content-type": "application/yaml" }, body: PRODUCTPAGE_ABORT });
    expect(applied.status).toBe(200);
    expect((await api("/v1/namespaces/default/virtualservices/bookinfo", { method: "DELETE" })).status).toBe(200);
    let routed = 200;
    while (Date.now() < deadline + 30_000 && routed !== 404) {
      routed = (await fetch(`${mesh.gatewayUrl}/productpage`).then((r) => (r.body?.cancel(), r))).status;
      if (routed !== 404) await new Promise((r) => setTimeout(r, 200));
    }
    expect(routed).toBe(404);
    const readyz = await fetch(`${mesh.controlUrl}/readyz`);
    expect(readyz.status, await readyz.clone().text()).toBe(200);
    expect((await readyz.json<{ checks: { name: string }[] }>()).checks.map((check: { name: string }) => check.name)).toEqual(
      expect.arrayContaining(["configured", "answers:READY_ISTHMUS_GATEWAY/readyz", "READY_BOOKINFO_DETAILS_V1_APP/health", "READY_BOOKINFO_REVIEWS_V2/.well-known/isthmus/ready"]),
    );

    // persist: false leaves no Durable Object or KV state behind (only builds and join tokens).
    expect((await readdir(stateDir)).sort()).toEqual(["build", "join-tokens.json"]);
    expect(Object.values(mesh.builds)).toContain("built");

    // A second start with no source changed builds nothing.
    await mesh.dispose();
    mesh = await startLocalMesh({ stateDir, adminToken: "mesh-test-token", controlPort: 0, gatewayPort: 0, persist: false });
    expect(mesh.builds).toEqual(Object.fromEntries(mesh.workers.map((name) => [name, "cached"])));
  }, 180_000);
});
