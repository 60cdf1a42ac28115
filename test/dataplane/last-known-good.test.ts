// Config distribution when the control plane goes away: warm isolates keep routing by the
// last-known-good snapshot and say so; cold isolates start from the KV copy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMesh, type TestMesh } from "../harness/data-plane.ts";
import { BASE_CONFIG } from "./mesh-config.ts";

const REFRESH_MS = 200;
let mesh: TestMesh;

const routeTo = (subset: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: edge }
spec:
  hosts: ["*"]
  gateways: [test-gateway]
  http:
  - route: [{ destination: { host: back, subset: ${subset} } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: back }
spec:
  hosts: [back]
  http:
  - route: [{ destination: { host: back, subset: ${subset} } }]
`;

beforeAll(async () => {
  mesh = await startTestMesh({
    echoes: [
      { name: "front-v1", service: "front", version: "v1" },
      { name: "back-v1", service: "back", version: "v1" },
      { name: "back-v2", service: "back", version: "v2" },
    ],
    refreshMs: REFRESH_MS,
    outageSwitch: true,
  });
  await mesh.apply(BASE_CONFIG);
  await mesh.apply(routeTo("v1"));
  await mesh.settle(await mesh.snapshotVersion());
});

afterAll(() => mesh?.dispose());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe(path = "/x") {
  const response = await mesh.gateway(path);
  const body = await response.text();
  return { status: response.status, pod: response.headers.get("x-pod"), stale: response.headers.get("x-isthmus-stale"), version: Number(response.headers.get("x-isthmus-snapshot")), body };
}

describe("last-known-good", () => {
  it("keeps routing by the last snapshot while the control plane is unreachable, flagged stale", async () => {
    const healthy = await probe();
    expect(healthy).toMatchObject({ status: 200, pod: "back-v1", stale: null });

    await mesh.controlPlaneDown(true);
    await mesh.apply(routeTo("v2")); // accepted by the control plane, unreachable for the data plane
    await sleep(REFRESH_MS + 50);
    await probe(); // starts a revalidation that fails
    await sleep(100);
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await probe());
    for (const answer of answers) expect(answer).toMatchObject({ status: 200, pod: "back-v1", stale: "1", version: healthy.version });

    // A meshed service's own calls keep flowing too.
    const viaService = await probe(`/call?url=${encodeURIComponent("http://front/x")}`);
    expect(viaService.status).toBe(200);

    await mesh.controlPlaneDown(false);
    const waited = await mesh.settle(await mesh.snapshotVersion());
    expect(waited).toBeLessThanOrEqual(2 * REFRESH_MS + 100);
    expect(await probe()).toMatchObject({ status: 200, pod: "back-v2", stale: null });
  });

  it("starts a cold isolate from the KV copy when the control plane is down", async () => {
    const before = await probe();
    expect(before.pod).toBe("back-v2");
    await mesh.restart({ controlPlaneDown: true });
    const cold = await probe();
    expect(cold).toMatchObject({ status: 200, pod: "back-v2", stale: "1", version: before.version });

    await mesh.controlPlaneDown(false);
    await sleep(REFRESH_MS + 50);
    await probe();
    await sleep(100);
    expect(await probe()).toMatchObject({ status: 200, stale: null });
  });
});
