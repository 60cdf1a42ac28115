// Issue #14, class 6, through the real gateway on workerd: the Host a client makes up
// never becomes a label value. BASE_CONFIG sends every host the gateway does not know to
// `target`, so 300 random hosts are counted in target's series (hosts not routed at all
// are labelled `unknown`: layers.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG } from "../../test/security/config.ts";
import { startSecurityMesh, type SecurityMesh } from "../../test/security/mesh.ts";

let mesh: SecurityMesh;

beforeAll(async () => {
  mesh = await startSecurityMesh({ refreshMs: 200 });
  await mesh.settle("isthmus-gateway", await mesh.apply(BASE_CONFIG));
}, 120_000);
afterAll(() => mesh?.dispose());

describe("metric labels from client-chosen hosts", () => {
  it("count 300 random hosts in the routed destination's series, no host in /metrics", async () => {
    const hosts = Array.from({ length: 300 }, () => `h${crypto.randomUUID().slice(0, 12)}.labels.test`);
    for (let i = 0; i < hosts.length; i += 30) {
      await Promise.all(hosts.slice(i, i + 30).map(async (host) => (await mesh.send("isthmus-gateway", "/labels", { host })).arrayBuffer()));
    }
    // A flush is due 5 s after the oldest unflushed request; the next request ships it.
    await new Promise((r) => setTimeout(r, 5_200));
    await (await mesh.send("isthmus-gateway", "/labels", { host: "last.labels.test" })).arrayBuffer();
    let text = "";
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      text = await (await mesh.control("/metrics")).text();
      if (/istio_requests_total\{reporter="source",source_workload="istio-ingressgateway"[^}]*destination_service_name="target"/.test(text)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const fromGateway = text.split("\n").filter((l) => l.startsWith('istio_requests_total{reporter="source",source_workload="istio-ingressgateway"'));
    expect(fromGateway.length).toBeGreaterThan(0);
    expect(fromGateway.length).toBeLessThanOrEqual(3); // one per destination and outcome, not per host
    expect(fromGateway.reduce((n, l) => n + Number(l.split(" ").pop()), 0)).toBeGreaterThanOrEqual(300);
    expect(text).not.toContain(".labels.test");
  }, 120_000);
});
