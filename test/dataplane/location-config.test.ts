// Config shared per location (ISTHMUS_CONFIG_CACHE) through real Workers: the gateway and the
// meshed services take the version stamp and snapshots from their location's Cache API cache,
// follow changes well within a second, keep serving through a control-plane outage (flagged
// stale once the location's stamp is older than ISTHMUS_MAX_STALE_MS), and start cold from the
// last-known-good copy the control plane wrote to KV.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMesh, type TestMesh } from "../harness/data-plane.ts";
import { BASE_CONFIG } from "./mesh-config.ts";

const STAMP_MS = 100;
const MAX_STALE_MS = 600;
let mesh: TestMesh;

const routeTo = (subset: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: edge }
spec:
  hosts: ["*"]
  gateways: [test-gateway]
  http:
  - route: [{ destination: { host: back, subset: ${subset} } }]
`;

beforeAll(async () => {
  mesh = await startTestMesh({
    echoes: [
      { name: "back-v1", service: "back", version: "v1" },
      { name: "back-v2", service: "back", version: "v2" },
    ],
    refreshMs: STAMP_MS,
    outageSwitch: true,
    vars: { ISTHMUS_CONFIG_CACHE: "isthmus-config", ISTHMUS_STAMP_MS: String(STAMP_MS), ISTHMUS_MAX_STALE_MS: String(MAX_STALE_MS) },
  });
  await mesh.apply(BASE_CONFIG);
  await mesh.apply(routeTo("v1"));
  await mesh.settle(await mesh.snapshotVersion());
});

afterAll(() => mesh?.dispose());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe() {
  const response = await mesh.gateway("/x");
  await response.arrayBuffer();
  return { status: response.status, pod: response.headers.get("x-pod"), stale: response.headers.get("x-isthmus-stale"), version: Number(response.headers.get("x-isthmus-snapshot")) };
}

describe("config shared per location", () => {
  it("routes by each change within a second", async () => {
    for (const subset of ["v2", "v1", "v2"]) {
      await mesh.apply(routeTo(subset));
      const waited = await mesh.settle(await mesh.snapshotVersion());
      expect(waited).toBeLessThan(1000);
      expect(await probe()).toMatchObject({ status: 200, pod: `back-${subset}`, stale: null });
    }
  });

  it("keeps serving through an outage, flagged stale once the location's stamp is past the max staleness", async () => {
    const before = await probe();
    await mesh.controlPlaneDown(true);
    try {
      await mesh.apply(routeTo("v1")); // accepted, out of the data plane's reach
      // Flagged once the location's stamp is past the max staleness (how soon after depends on
      // this machine's load: Miniflare's Cache API operations slow down under it).
      const flaggedBy = Date.now() + 10 * MAX_STALE_MS;
      while ((await probe()).stale !== "1" && Date.now() < flaggedBy) await sleep(STAMP_MS);
      for (let i = 0; i < 5; i++) expect(await probe()).toMatchObject({ status: 200, pod: before.pod, stale: "1", version: before.version });
    } finally {
      await mesh.controlPlaneDown(false);
    }
    await mesh.settle(await mesh.snapshotVersion());
    expect(await probe()).toMatchObject({ status: 200, pod: "back-v1", stale: null });
  });

  it("starts cold from the control plane's KV copy while the control plane is down", async () => {
    const before = await probe();
    await mesh.restart({ controlPlaneDown: true });
    // The location's cache outlives the restart: let its stamp age past the max staleness first.
    await sleep(MAX_STALE_MS + 2 * STAMP_MS);
    expect(await probe()).toMatchObject({ status: 200, pod: before.pod, stale: "1", version: before.version });
    await mesh.controlPlaneDown(false);
  });
});
