// Concurrent requests in one isolate stay apart: unchanged service code's plain `fetch` to a
// mesh host goes through the mesh client of the request that made it, not of whichever
// request arrived last. Real Workers: front (withMesh) calls back (v1 or v2) by plain fetch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMesh, type TestMesh } from "../../test/harness/data-plane.ts";

let mesh: TestMesh;

const backTo = (version: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: back }
spec:
  hosts: [back]
  http: [{ route: [{ destination: { host: back, subset: ${version} } }] }]
`;

beforeAll(async () => {
  mesh = await startTestMesh({
    echoes: [
      { name: "front-v1", service: "front", version: "v1" },
      { name: "back-v1", service: "back", version: "v1" },
      { name: "back-v2", service: "back", version: "v2" },
    ],
    refreshMs: 100,
  });
  await mesh.apply(`apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: istio-system }
spec: { mtls: { mode: PERMISSIVE } }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: front }
spec:
  hosts: [front]
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints: [{ address: worker://front-v1, labels: { app: front, version: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: back }
spec:
  hosts: [back]
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints:
  - { address: worker://back-v1, labels: { app: back, version: v1 } }
  - { address: worker://back-v2, labels: { app: back, version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: back }
spec:
  host: back
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
---
${backTo("v1")}`);
  await settleFront(await mesh.snapshotVersion());
}, 60_000);

afterAll(async () => {
  await mesh?.dispose();
});

function settleFront(version: number) {
  return mesh.settle(version, () => mesh.worker("front-v1", "/__settle"));
}

async function callGlobal(after: number, endUser: string): Promise<{ pod: string; endUser: string; snapshot: string | null }> {
  const response = await mesh.worker("front-v1", `/call-global?after=${after}&url=${encodeURIComponent("http://back:9080/x")}`, { headers: { "end-user": endUser } });
  const outer = (await response.json()) as { status: number; body: string };
  expect(outer.status, outer.body).toBe(200);
  const inner = JSON.parse(outer.body) as { pod: string; headers: Record<string, string> };
  return { pod: inner.pod, endUser: inner.headers["end-user"] ?? "", snapshot: response.headers.get("x-isthmus-snapshot") };
}

describe("intercepted global fetch under concurrency", () => {
  it("routes each request's plain fetch by that request's own mesh client while others arrive in the same isolate", async () => {
    // A starts on the snapshot routing back to v1 and calls out only after B has been served.
    const a = callGlobal(1_500, "alice");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await mesh.apply(backTo("v2"));
    // Requests to front meanwhile (the settle probes, then B) carry the snapshot routing to v2.
    await settleFront(await mesh.snapshotVersion());
    const b = await callGlobal(0, "bob");
    const first = await a;
    expect(b).toMatchObject({ pod: "back-v2", endUser: "bob" });
    // Before per-request binding, A's call went through the latest request's client: back-v2.
    expect(first).toMatchObject({ pod: "back-v1", endUser: "alice" });
    expect(Number(first.snapshot)).toBeLessThan(Number(b.snapshot));
  }, 30_000);

  it("keeps many interleaved requests apart", async () => {
    await mesh.apply(backTo("v1"));
    await settleFront(await mesh.snapshotVersion());
    const slow = Array.from({ length: 5 }, (_, i) => callGlobal(800 + i * 50, `slow-${i}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await mesh.apply(backTo("v2"));
    await settleFront(await mesh.snapshotVersion());
    const fast = await Promise.all(Array.from({ length: 5 }, (_, i) => callGlobal(0, `fast-${i}`)));
    const done = await Promise.all(slow);
    expect(done.map((r) => [r.pod, r.endUser])).toEqual(done.map((_, i) => ["back-v1", `slow-${i}`]));
    expect(fast.map((r) => [r.pod, r.endUser])).toEqual(fast.map((_, i) => ["back-v2", `fast-${i}`]));
  }, 30_000);
});
