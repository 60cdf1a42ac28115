// Telemetry shards lost or slow must not touch requests: while every flush is refused or
// hangs, the gateway and a meshed service answer as fast as before. A refused flush is kept
// for the next one (its requests are counted once it lands); one not answered within a flush
// interval is given up and sent again under its batch id, so that if it lands after all the
// shard ignores whichever copy comes second. Past the few kept, given-up flushes are counted
// in isthmus_telemetry_series_dropped_total instead.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMesh, type TestMesh } from "../harness/data-plane.ts";
import { BASE_CONFIG } from "./mesh-config.ts";

const FLUSH_MS = 300;
let mesh: TestMesh;
/** Requests back-v1 answered through the gateway: each is counted by two reporters, the gateway and back-v1. */
const answered = { requests: 0 };

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
  await mesh.settle(await mesh.snapshotVersion(), () => toBack("/settle"));
  await settleTelemetry(); // from here on, every test starts with nothing held in the isolates
});

afterAll(() => mesh?.dispose());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function telemetryMode(mode: "ok" | "fail" | "hang" | "slow") {
  const response = await mesh.worker("control-proxy", `/telemetry/${mode}`, { method: "POST" });
  expect(await response.json()).toMatchObject({ telemetry: mode });
}

/** One request through the gateway, counted in `answered` when back-v1 answered it (body left unread). */
async function toBack(path: string): Promise<Response> {
  const response = await mesh.gateway(path);
  if (response.headers.get("x-pod") === "back-v1") answered.requests += 1;
  return response;
}

/** `n` requests through the gateway, one after another, spread over `spreadMs`: statuses and the slowest. */
async function traffic(n: number, spreadMs: number) {
  const statuses: number[] = [];
  let slowest = 0; // ms
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const response = await toBack(`/t/${i}`);
    await response.arrayBuffer();
    slowest = Math.max(slowest, performance.now() - started);
    statuses.push(response.status);
    await sleep(spreadMs / n);
  }
  return { statuses, slowest };
}

/**
 * Waits until each reporter has counted every request back-v1 answered, in a series that landed
 * or as dropped on flush, so nothing is held in the isolates; returns the counts. A request
 * flushes an isolate only when it holds something a flush interval old, and the gateway and
 * back-v1 can be a request apart in that (one just flushed, the other holds the last request):
 * two requests back to back put both in step, so one more a flush interval later flushes both.
 * Repeated until the counts are complete; past them, a request was counted twice.
 */
async function settleTelemetry(): Promise<Counts> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await sleep(FLUSH_MS + 50);
    for (const path of ["/flush/a", "/flush/b"]) await (await toBack(path)).arrayBuffer();
    await sleep(FLUSH_MS + 50);
    await (await toBack("/flush/c")).arrayBuffer();
    // A flush lands within milliseconds; one not in by then is one the isolate still holds, and the next round ships it.
    const round = Date.now() + 2_000;
    for (;;) {
      const counted = await metricsCounts();
      const { gateway, back } = counted.byReporter;
      if (gateway > answered.requests || back > answered.requests) throw new Error(`more counted than back-v1 answered (a request counted twice?): ${JSON.stringify({ ...counted, answered: answered.requests })}`);
      if (gateway === answered.requests && back === answered.requests) return counted;
      if (Date.now() > round) break;
      await sleep(50);
    }
    if (Date.now() > deadline) throw new Error(`the isolates did not ship every count within 30 s: ${JSON.stringify({ ...(await metricsCounts()), answered: answered.requests })}`);
  }
}

type Counts = ReturnType<typeof counts>;

async function metricsCounts() {
  return counts(parsePrometheusTextFormat(await (await mesh.control("/metrics")).text()) as any[]);
}

/**
 * Requests to back counted by both reporters (gateway and back-v1) and requests dropped on
 * flush; and per reporter, its requests counted either way.
 */
function counts(families: any[]) {
  const sum = (name: string, match: Record<string, string>) =>
    (families.find((f) => f.name === name)?.metrics ?? [])
      .filter((m: any) => Object.entries(match).every(([k, v]) => m.labels[k] === v))
      .reduce((n: number, m: any) => n + Number(m.value), 0);
  const landed = (reporter: string) => sum("istio_requests_total", { destination_service_name: "back", reporter });
  const dropped = (workload: string) => sum("isthmus_telemetry_series_dropped_total", { stage: "flush", destination_workload: workload });
  return {
    requests: sum("istio_requests_total", { destination_service_name: "back" }),
    droppedOnFlush: sum("isthmus_telemetry_series_dropped_total", { stage: "flush" }),
    byReporter: { gateway: landed("source") + dropped("istio-ingressgateway"), back: landed("destination") + dropped("back-v1") },
  };
}

describe("telemetry outages", () => {
  it("answers requests while flushes are refused, and ships the kept series once the shards answer", async () => {
    const before = await metricsCounts();
    const from = answered.requests;
    await telemetryMode("fail");
    const refused = await traffic(20, 3 * FLUSH_MS);
    expect(new Set(refused.statuses)).toEqual(new Set([200]));

    await telemetryMode("ok");
    const after = await settleTelemetry();
    // The 20 requests and the ones that flushed them, each counted by both reporters, none dropped.
    expect(answered.requests - from).toBeGreaterThanOrEqual(20 + 3);
    expect(after.requests - before.requests).toBe(2 * (answered.requests - from));
    expect(after.droppedOnFlush).toBe(before.droppedOnFlush);
  });

  it("answers requests while flushes hang, then sends again what never landed", async () => {
    const before = await metricsCounts();
    const from = answered.requests;
    await telemetryMode("hang");
    const hung = await traffic(30, 4 * FLUSH_MS);
    expect(new Set(hung.statuses)).toEqual(new Set([200]));
    // A hung flush is held up to 20 s: a request that waited for one would take that long.
    expect(hung.slowest).toBeLessThan(5_000);

    // Hung flushes are refused now; given-up ones go again with the next flush, the others are kept for it.
    await telemetryMode("ok");
    const after = await settleTelemetry();
    const lost = after.droppedOnFlush - before.droppedOnFlush;
    const landed = after.requests - before.requests;
    // Over at least 1.2 s of traffic each isolate flushed twice or more, each flush giving up the
    // one before and sending it again. Each request (the 30 and the ones that flushed them) is
    // counted by two reporters: in a series that landed, or as dropped with a given-up flush
    // past the few kept; never both.
    expect(landed + lost).toBe(2 * (answered.requests - from));
  });

  it("counts a flush that lands after it was given up once: its copy, sent again, is ignored", async () => {
    const before = await metricsCounts();
    const from = answered.requests;
    await telemetryMode("slow");
    const slow = await traffic(20, 3 * FLUSH_MS);
    expect(new Set(slow.statuses)).toEqual(new Set([200]));
    // Every flush so far (first shipments and copies of given-up ones alike) lands now.
    await telemetryMode("ok");
    // Throws as soon as a reporter's count passes what back-v1 answered: a request counted twice.
    const after = await settleTelemetry();
    const lost = after.droppedOnFlush - before.droppedOnFlush;
    expect(after.requests - before.requests + lost).toBe(2 * (answered.requests - from));
  });
});
