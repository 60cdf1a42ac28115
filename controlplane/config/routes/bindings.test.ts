// Binding reports over HTTP pulls and the binding plans, through the real control-plane Worker.
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
  endpoints:
  - { address: "worker://reviews-v1", labels: { version: v1 } }
  - { address: "worker://reviews-v2", labels: { version: v2 } }
`,
  });
  expect(applied.status).toBe(200);
});
afterAll(() => cp?.dispose());

type Plans = { workloads: { namespace: string; serviceAccount: string; gateway: boolean; bindings: { services: string[] } | null; missing: string[] }[] };
const plans = async () => (await (await cp.request("/v1/bindings")).json()) as Plans;

describe("binding reports on HTTP snapshot pulls", () => {
  it("are recorded for the dataplane token's workload, never fail the pull when malformed, and are ignored from other roles", async () => {
    const minted = await cp.request("/v1/tokens", { body: { name: "dp-productpage", role: "dataplane", namespace: "default", serviceAccount: "bookinfo-productpage" } });
    const { token } = (await minted.json()) as { token: string };
    const pull = (header: string, as = token) => cp.request("/v1/snapshot?since=0", { token: as, headers: { "x-isthmus-bindings": header } });

    expect((await pull("{not json")).status).toBe(200);
    expect((await pull(JSON.stringify({ services: ["bad name!"], dispatchNamespaces: [] }))).status).toBe(200);
    expect((await pull(JSON.stringify({ services: ["ADMIN_ONLY"], dispatchNamespaces: [] }), cp.adminToken)).status).toBe(200);
    expect((await plans()).workloads.filter((w) => w.bindings)).toEqual([]);

    expect((await pull(JSON.stringify({ services: ["REVIEWS_V1", "ISTHMUS_CONTROL"], dispatchNamespaces: [] }))).status).toBe(200);
    const reported = await eventuallyReported("bookinfo-productpage");
    // No route for reviews: every endpoint takes a share, so the one it lacks is missing.
    expect(reported).toMatchObject({ namespace: "default", gateway: false, bindings: { services: ["ISTHMUS_CONTROL", "REVIEWS_V1"] }, missing: ["REVIEWS_V2"] });
    // The gateway is always listed; it never reported, so all its routes need is shown.
    expect((await plans()).workloads.find((w) => w.gateway)).toMatchObject({ bindings: null, missing: [] });

    const findings = (await (await cp.request("/v1/analyze")).json()) as { findings: { code: string; message: string }[]; reachability: { checkedWorkloads: string[] } };
    expect(findings.reachability.checkedWorkloads).toEqual(["default/bookinfo-productpage"]);
    expect(findings.findings.filter((f) => f.code === "destination_unreachable").map((f) => f.message)).toEqual([
      expect.stringContaining("workload default/bookinfo-productpage has no service binding REVIEWS_V2 for endpoint worker://reviews-v2"),
    ]);
  });
});

describe("binding sets per workload", () => {
  it("are capped: a data plane cycling through made-up sets replaces only its own oldest", async () => {
    const minted = await cp.request("/v1/tokens", { body: { name: "dp-noisy", role: "dataplane", namespace: "default", serviceAccount: "noisy" } });
    const { token } = (await minted.json()) as { token: string };
    for (let i = 0; i < 20; i++) {
      const pulled = await cp.request("/v1/snapshot?since=0", { token, headers: { "x-isthmus-bindings": JSON.stringify({ services: [`MADE_UP_${i}`], dispatchNamespaces: [] }) } });
      expect(pulled.status).toBe(200);
    }
    let sets: Plans["workloads"] = [];
    for (let i = 0; i < 50 && !sets.some((w) => w.bindings?.services[0] === "MADE_UP_19"); i++) {
      sets = (await plans()).workloads.filter((w) => w.serviceAccount === "noisy");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(sets.length).toBe(16);
    expect(sets.map((w) => w.bindings?.services[0])).not.toContain("MADE_UP_0");
    expect((await plans()).workloads.some((w) => w.serviceAccount === "bookinfo-productpage")).toBe(true);
  });
});

describe("POST /v1/bindings", () => {
  it("plans for the workloads given, and refuses a malformed body naming the field", async () => {
    const response = await cp.request("/v1/bindings", { body: { workloads: [{ namespace: "default", serviceAccount: "caller", bindings: { services: ["REVIEWS_V2"], dispatchNamespaces: [] } }] } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Plans).workloads).toEqual([expect.objectContaining({ serviceAccount: "caller", missing: ["REVIEWS_V1"] })]);
    const bad = await cp.request("/v1/bindings", { body: { workloads: [{ namespace: "default", serviceAccount: "caller", bindings: { services: ["no spaces allowed"], dispatchNamespaces: [] } }] } });
    expect(bad.status).toBe(400);
    const error = ((await bad.json()) as { error: { details: { path: string }[] } }).error;
    expect(error.details.map((d) => d.path)).toEqual(["workloads.0.bindings.services.0"]);
  });
});

// The report is written in waitUntil, after the pull answered.
async function eventuallyReported(serviceAccount: string) {
  for (let i = 0; i < 50; i++) {
    const found = (await plans()).workloads.find((w) => w.serviceAccount === serviceAccount && w.bindings);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${serviceAccount} never reported`);
}
