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
    const routeAllTo = (target) => {
      const vs = structuredClone(resources.virtualService);
      const hit = vs.spec.http.find((r) => r.name === "hit");
      hit.route = [{ destination: { ...hit.route[0].destination, subset: target }, weight: 100 }];
      return vs;
    };
    // Start from all traffic on v1, seen by the gateway: while the weighted split is still in
    // force, v2 answers 10 % of the time and would pass for a propagated change.
    await mesh.apply([routeAllTo("v1")]);
    const settledBy = performance.now() + timeoutMs;
    for (let inARow = 0; inARow < 50; ) {
      const { headers } = await get(`${mesh.urls.gw}${HIT.path}`, { agent, headers: { host, ...HIT.headers } });
      inARow = String(headers["x-pod"]).endsWith("-v1") ? inARow + 1 : 0;
      if (performance.now() > settledBy) throw new Error(`baseline not routed after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
    for (let i = 0; i < changes; i++) {
      const target = i % 2 ? "v1" : "v2";
      await mesh.apply([routeAllTo(target)]);
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
