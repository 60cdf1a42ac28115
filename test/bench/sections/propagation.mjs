// Config propagation: from `POST /v1/apply` accepted to the gateway routing by the change,
// seen from outside by polling the gateway every few ms. Each change moves the late route's
// whole weight to the other version, so "routing by it" is the answering version itself.
import http from "node:http";
import { get } from "../load.mjs";
import { HIT } from "../configs/resources.mjs";
import { percentile } from "../stats.mjs";

export async function measurePropagation(mesh, { resources, host, changes = 20, pollMs = 2, timeoutMs = 30_000 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  try {
    for (let i = 0; i < changes; i++) {
      const target = i % 2 ? "v1" : "v2";
      const vs = structuredClone(resources.virtualService);
      const hit = vs.spec.http.find((r) => r.name === "hit");
      hit.route = [{ destination: { ...hit.route[0].destination, subset: target }, weight: 100 }];
      await mesh.apply([vs]);
      const accepted = performance.now();
      for (;;) {
        const { headers } = await get(`${mesh.urls.gw}${HIT.path}`, { agent, headers: { host, ...HIT.headers } });
        if (String(headers["x-pod"]).endsWith(`-${target}`)) break;
        if (performance.now() - accepted > timeoutMs) throw new Error(`change ${i + 1} not routed after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
      times.push(performance.now() - accepted);
    }
    // Put the 90/10 split back for whatever runs next.
    await mesh.apply([resources.virtualService]);
  } finally {
    agent.destroy();
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { changes, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), min: sorted[0], max: sorted.at(-1) };
}
