import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bootstrapMesh } from "./bootstrap.mjs";
import { startLocalMesh, type LocalMesh } from "./mesh.mjs";

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
      servicePorts: { "bookinfo-details-v1-app": 0 },
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

    // persist: false leaves no Durable Object or KV state behind (only builds and join tokens).
    expect((await readdir(stateDir)).sort()).toEqual(["build", "join-tokens.json"]);
  }, 120_000);
});
