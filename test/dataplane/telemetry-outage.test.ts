// Telemetry shards lost or slow must not touch requests: while every flush is refused or
// hangs, the gateway and a meshed service answer as fast as before. A refused flush is kept
// for the next one (its requests are counted once it lands); one not answered within a flush
// interval is given up and its requests counted in isthmus_telemetry_series_dropped_total.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMesh, type TestMesh } from "../harness/data-plane.ts";
import { BASE_CONFIG } from "./mesh-config.ts";

const FLUSH_MS = 300;
let mesh: TestMesh;

const route = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: edge }
spec:
  hosts: ["*"]
  gateways: [test-gateway]
  http:
  - route: [{ destination: { host: back, subset: v1 } }]
`;

beforeAll(async () => {
  mesh = await startTestMesh({
    echoes: [
      { name: "back-v1", service: "back", version: "v1" },
      { name: "back-v2", service: "back", version: "v2" },
    ],
    outageSwitch: true,
    vars: { ISTHMUS_TELEMETRY_FLUSH_MS: String(FLUSH_MS) },
  });
  await mesh.apply(BASE_CONFIG);
  await mesh.apply(route);
  await mesh.settle(await mesh.snapshotVersion());
  await flushNow(); // from here on, every test starts with nothing held in the isolates
});

afterAll(() => mesh?.dispose());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function telemetryMode(mode: "ok" | "fail" | "hang") {
  const response = await mesh.worker("control-proxy", `/telemetry/${mode}`, { method: "POST" });
  expect(await response.json()).toMatchObject({ telemetry: mode });
}

/** `n` requests through the gateway, one after another, spread over `spreadMs`: statuses and the slowest. */
async function traffic(n: number, spreadMs: number) {
  const statuses: number[] = [];
  let slowest = 0; // ms
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const response = await mesh.gateway(`/t/${i}`);
    await response.arrayBuffer();
    slowest = Math.max(slowest, performance.now() - started);
    statuses.push(response.status);
    await sleep(spreadMs / n);
  }
  return { statuses, slowest };
}

/**
 * One request after a flush interval, so every isolate on its path that holds anything flushes
 * it (this request included) and holds nothing after; then the counts, read once both
 * isolates' flushes have landed.
 */
async function flushNow() {
  await sleep(FLUSH_MS + 50);
  const sent = Date.now();
  await (await mesh.gateway("/flush")).arrayBuffer();
  for (let i = 0; i < 150; i++) {
    const families = parsePrometheusTextFormat(await (await mesh.control("/metrics")).text()) as any[];
    const ages = (families.find((f) => f.name === "isthmus_dataplane_last_report_age_seconds")?.metrics ?? []) as any[];
    const reportedSince = (workload: string) => ages.some((m) => m.labels.workload === workload && Number(m.value) * 1000 <= Date.now() - sent);
    if (reportedSince("istio-ingressgateway") && reportedSince("back-v1")) return counts(families);
    await sleep(100);
  }
  throw new Error("the isolates did not report within 15 s");
}

async function metricsCounts() {
  return counts(parsePrometheusTextFormat(await (await mesh.control("/metrics")).text()) as any[]);
}

/** Requests to back counted by both reporters (gateway and back-v1), and requests dropped on flush. */
function counts(families: any[]) {
  const sum = (name: string, match: Record<string, string>) =>
    (families.find((f) => f.name === name)?.metrics ?? [])
      .filter((m: any) => Object.entries(match).every(([k, v]) => m.labels[k] === v))
      .reduce((n: number, m: any) => n + Number(m.value), 0);
  return {
    requests: sum("istio_requests_total", { destination_service_name: "back" }),
    droppedOnFlush: sum("isthmus_telemetry_series_dropped_total", { stage: "flush" }),
  };
}

describe("telemetry outages", () => {
  it("answers requests while flushes are refused, and ships the kept series once the shards answer", async () => {
    const before = await metricsCounts();
    await telemetryMode("fail");
    const refused = await traffic(20, 3 * FLUSH_MS);
    expect(new Set(refused.statuses)).toEqual(new Set([200]));

    await telemetryMode("ok");
    const after = await flushNow();
    expect(after.requests - before.requests).toBe(2 * 21);
    expect(after.droppedOnFlush).toBe(before.droppedOnFlush);
  });

  // Last: a hung flush lands when the slow shard answers (20 s on), after this test.
  it("answers requests while flushes hang, then drops and counts what never landed", async () => {
    const before = await metricsCounts();
    await telemetryMode("hang");
    const hung = await traffic(30, 4 * FLUSH_MS);
    expect(new Set(hung.statuses)).toEqual(new Set([200]));
    // The slow shard answers after 20 s: a request that waited for a flush would take that long.
    expect(hung.slowest).toBeLessThan(5_000);
    await sleep(2 * FLUSH_MS + 100); // every hung flush has timed out by now

    await telemetryMode("ok");
    const after = await flushNow();
    const lost = after.droppedOnFlush - before.droppedOnFlush;
    const landed = after.requests - before.requests;
    // Each of the 31 requests (30 and the flushing one) is counted by two reporters: in a
    // series that landed, or as dropped with its timed-out flush.
    expect(lost).toBeGreaterThan(0);
    expect(landed + lost).toBe(2 * 31);
  });
});
