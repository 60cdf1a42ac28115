// The controller's tick outside workerd: its Durable Object base, storage, MeshControl and
// the series store faked, counting what each tick reads.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { emptyHistogram, observe } from "../../contracts/telemetry/histogram.ts";
import type { SeriesAggregate } from "../../contracts/telemetry/batch.ts";
import type { Rollout } from "../../resources/rollout.ts";

vi.mock("cloudflare:workers", () => ({
  DurableObject: class {
    constructor(
      readonly ctx: unknown,
      readonly env: unknown,
    ) {}
  },
}));

const reads = { destinationRules: 0, virtualServices: 0, totals: 0, windows: 0 };
let totals: SeriesAggregate[] = [];
vi.mock("../telemetry/store.ts", () => ({
  seriesStore: () => ({
    bytes: true,
    totals: async () => (reads.totals++, structuredClone(totals)),
    window: async () => (reads.windows++, totals.map(({ labels, requests, duration }) => ({ labels, requests, duration }))),
  }),
}));

const { RolloutController } = await import("./controller.ts");

function storage() {
  const data = new Map<string, unknown>();
  const keys = (o: { prefix?: string; start?: string; end?: string }) =>
    [...data.keys()].sort().filter((k) => k.startsWith(o.prefix ?? "") && (o.start === undefined || k >= o.start) && (o.end === undefined || k < o.end));
  return {
    async get(key: string | string[]) {
      if (Array.isArray(key)) return new Map(key.filter((k) => data.has(k)).map((k) => [k, structuredClone(data.get(k))]));
      return structuredClone(data.get(key));
    },
    async put(key: string, value: unknown) {
      data.set(key, structuredClone(value));
    },
    async list(o: { prefix?: string; start?: string; end?: string } = {}) {
      return new Map(keys(o).map((k) => [k, structuredClone(data.get(k))]));
    },
    async delete(key: string | string[]) {
      for (const k of Array.isArray(key) ? key : [key]) data.delete(k);
    },
    async deleteAll() {
      data.clear();
    },
    async setAlarm() {},
    async deleteAlarm() {},
  };
}

const rollout = (custom: NonNullable<Rollout["spec"]["analysis"]["custom"]> = []): Rollout =>
  ({
    apiVersion: "rollouts.isthmus.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "reviews", namespace: "default" },
    spec: {
      service: "reviews", stableSubset: "stable", canarySubset: "canary", virtualService: "reviews",
      steps: [{ weight: 10, minRequests: 30 }, { weight: 50, minDuration: "1h" }, { weight: 100 }],
      analysis: { interval: "10s", minRequests: 10, successRate: { min: 90 }, failureLimit: 1, custom },
      rollbackOn: { outlierEjection: true, exceptions: true },
    },
  }) as unknown as Rollout;

const virtualService = () => ({
  apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "reviews", namespace: "default" },
  spec: { hosts: ["reviews"], http: [{ route: [{ destination: { host: "reviews", subset: "stable" } }] }] },
});

function controllerOf(subject: Rollout) {
  let vs = virtualService();
  let revision = 0;
  const control = {
    async resource(key: { kind: string }) {
      if (key.kind === "Rollout") return subject;
      reads.virtualServices++;
      return structuredClone(vs);
    },
    async resources(key: { kind: string }) {
      if (key.kind === "DestinationRule") reads.destinationRules++;
      return [{ metadata: { name: "reviews", namespace: "default" }, spec: { host: "reviews", subsets: [{ name: "stable", labels: { version: "v1" } }, { name: "canary", labels: { version: "v2" } }] } }];
    },
    async apply([next]: [typeof vs]) {
      vs = next;
      return { ok: true, value: { revision: ++revision } };
    },
  };
  const env = { MESH_CONTROL: { idFromName: () => "mesh", get: () => control } };
  const ctx = { storage: storage(), waitUntil: () => undefined };
  return new RolloutController(ctx as never, env as never);
}

// Cumulative counts: every caller's requests so far, 200s, to each version.
const served = { v1: 0, v2: 0 };
function serve(requests: number) {
  served.v1 += requests;
  served.v2 += requests;
  totals = (["v1", "v2"] as const).map((version) => {
    const duration = emptyHistogram();
    for (let i = 0; i < served[version]; i++) observe(duration, 10);
    return {
      labels: { reporter: "source", destination_service_name: "reviews", destination_service_namespace: "default", destination_version: version, response_code: "200", response_flags: "-" },
      requests: served[version], duration, requestBytes: emptyHistogram(), responseBytes: emptyHistogram(),
    } as unknown as SeriesAggregate;
  });
}

async function tick(controller: InstanceType<typeof RolloutController>) {
  for (const key of Object.keys(reads) as Array<keyof typeof reads>) reads[key] = 0;
  await controller.alarm();
  return { ...reads };
}

beforeEach(() => {
  served.v1 = served.v2 = 0;
  serve(0);
});

describe("a rollout controller's tick", () => {
  it("reads the DestinationRules, the counters and the VirtualService once, and each custom check's window once", async () => {
    const custom = [
      { name: "canary-ok", query: "/v1/stats?service=reviews&window=1m", min: 0.5 },
      { name: "canary-p99", query: "/v1/stats?service=reviews&window=1m", field: "versions.v2.latencyMs.p99", max: 1000 },
      { name: "longer", query: "/v1/stats?service=reviews&window=5m", min: 0 },
    ];
    const controller = controllerOf(rollout(custom));
    await controller.wake("default", "reviews");
    // Pending -> step 1: writes its weights once, reads no counters.
    expect(await tick(controller)).toEqual({ destinationRules: 0, virtualServices: 1, totals: 0, windows: 0 });
    // The first analysis tick only starts the window.
    expect(await tick(controller)).toEqual({ destinationRules: 1, virtualServices: 1, totals: 1, windows: 0 });
    serve(40);
    // Judged, passed and advanced: one write, two custom-check windows for three checks.
    expect(await tick(controller)).toEqual({ destinationRules: 1, virtualServices: 1, totals: 1, windows: 2 });
    const status = await controller.status();
    expect(status).toMatchObject({ stepIndex: 1, weight: 50 });
    expect(status!.history.at(-1)).toMatchObject({ event: "advance", verdict: { result: "pass", canary: { requests: 40 }, checks: expect.arrayContaining([{ name: "canary-ok", result: "pass", value: 1, threshold: 0.5 }]) } });
  });

  it("judges the next window from the counters the advancing tick read", async () => {
    const controller = controllerOf(rollout());
    await controller.wake("default", "reviews");
    await tick(controller);
    await tick(controller);
    serve(40);
    await tick(controller); // advances to step 2
    serve(12);
    await tick(controller);
    const status = await controller.status();
    expect(status!.history.at(-1)).toMatchObject({ event: "hold", stepIndex: 1, verdict: { result: "pass", canary: { requests: 12 }, stable: { requests: 12 } } });
  });
});

describe("a rollout's status", () => {
  it("embeds the latest 20 entries and each step's latest verdict, and counts every entry kept", async () => {
    const controller = controllerOf(rollout());
    await controller.wake("default", "reviews");
    await tick(controller);
    await tick(controller);
    serve(20);
    await tick(controller); // step 1 passes with too few requests for the step: holds
    serve(20);
    await tick(controller); // advances to step 2
    // Step 2 waits an hour: each passing analysis is an entry of its own.
    for (let i = 0; i < 30; i++) {
      serve(20);
      await tick(controller);
    }
    const status = (await controller.status())!;
    const all = await controller.history();
    expect(all).toHaveLength(33); // start, a hold on step 1, advance, 30 holds on step 2
    expect(status.historyCount).toBe(33);
    expect(status.history).toHaveLength(21);
    expect(status.history[0]).toMatchObject({ event: "hold", stepIndex: 0, verdict: { result: "pass" } }); // step 1's latest verdict, older than the latest 20
    expect(status.history[0]).toEqual(all[1]);
    expect(status.history.slice(1)).toEqual(all.slice(-20));
  });
});
