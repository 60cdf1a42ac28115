// The control-plane Worker on workerd (real bundle, real Durable Objects), with two
// data-plane reporters bound to MeshPeer by props: batches merge in the Telemetry shards
// and come back out through /metrics, /v1/stats, /v1/stats/edges and /v1/tap.
import { Miniflare } from "miniflare";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorker } from "../../local/build.mjs";
import type { TelemetryBatch } from "../../contracts/telemetry/batch.ts";
import type { RequestSample } from "../../contracts/telemetry/labels.ts";
import { MetricsRecorder, type SnapshotFacts } from "../../dataplane/telemetry/metrics.ts";

const ADMIN = "telemetry-test-admin";

// A data-plane stand-in: forwards a batch it is given to MeshPeer over Workers RPC.
const REPORTER = `
export default {
  async fetch(request, env) {
    const binding = new URL(request.url).pathname === "/bare" ? env.BARE : env.CONTROL;
    try {
      return Response.json(await binding.reportTelemetry(await request.json()));
    } catch (err) {
      return Response.json({ error: String(err.message) }, { status: 500 });
    }
  },
};`;

let mf: Miniflare;
let control: Awaited<ReturnType<Miniflare["getWorker"]>>;
const reporters: Record<string, Awaited<ReturnType<Miniflare["getWorker"]>>> = {};

beforeAll(async () => {
  const script = await buildWorker("controlplane/worker.ts", "dist/test/telemetry/control.js");
  const reporter = (name: string, namespace: string, serviceAccount: string) => ({
    name,
    modules: [{ type: "ESModule" as const, path: "reporter.mjs", contents: REPORTER }],
    compatibilityDate: "2026-04-26",
    serviceBindings: {
      CONTROL: { name: "control", entrypoint: "MeshPeer", props: { namespace, serviceAccount } },
      BARE: { name: "control", entrypoint: "MeshPeer" },
    },
  });
  mf = new Miniflare({
    workers: [
      {
        name: "control",
        modules: true,
        scriptPath: script,
        compatibilityDate: "2026-04-26",
        durableObjects: {
          MESH_CONTROL: { className: "MeshControl", useSQLite: true },
          CA: { className: "CertificateAuthority", useSQLite: true },
          TELEMETRY: { className: "Telemetry", useSQLite: true },
        },
        bindings: {
          ISTHMUS_ADMIN_TOKEN: ADMIN,
          ISTHMUS_TRUST_DOMAIN: "example.org",
          ISTHMUS_CA_WRAPPING_KEY: "telemetry-test-wrapping-key-0123456789",
          ISTHMUS_DROP_LABELS: "source_canonical_revision,destination_canonical_revision",
          ISTHMUS_TELEMETRY_SERIES_LIMIT: "12",
        },
      },
      reporter("reviews-v2", "default", "reviews"),
      reporter("productpage-v1", "default", "productpage"),
    ],
  });
  await mf.ready;
  control = await mf.getWorker("control");
  reporters.reviews = await mf.getWorker("reviews-v2");
  reporters.productpage = await mf.getWorker("productpage-v1");
});

afterAll(() => mf?.dispose());

async function api(path: string, auth: string | null = ADMIN): Promise<Response> {
  return (await control.fetch(`http://control${path}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} })) as unknown as Response;
}

async function report(who: "reviews" | "productpage", batch: TelemetryBatch, path = "/"): Promise<any> {
  const res = (await reporters[who].fetch(`http://reporter${path}`, { method: "POST", body: JSON.stringify(batch) })) as unknown as Response;
  return { status: res.status, body: await res.json() };
}

const facts: SnapshotFacts = {
  snapshotVersion: 7,
  snapshotGeneratedAt: new Date(Date.now() - 60_000).toISOString(),
  snapshotAppliedAt: Date.now() - 58_500,
  snapshotAgeMs: 400,
  stale: false,
};

function sample(o: Partial<RequestSample> & { version: string }): RequestSample {
  return {
    reporter: "destination",
    source: { workload: "productpage-v1", namespace: "default", app: "productpage", version: "v1" },
    destination: {
      workload: `reviews-${o.version}`,
      namespace: "default",
      app: "reviews",
      version: o.version,
      service: "reviews.default.svc.cluster.local",
      serviceName: "reviews",
      serviceNamespace: "default",
    },
    protocol: "http",
    responseCode: 200,
    responseFlags: "-",
    mutualTls: true,
    durationMs: 30,
    requestBytes: 0,
    responseBytes: 300,
    method: "GET",
    path: "/reviews/0",
    ...o,
  };
}

describe("Telemetry in the control-plane Worker", () => {
  it("refuses batches without binding props and malformed batches", async () => {
    const r = new MetricsRecorder({ workload: "reviews-v2" });
    r.recordRequest(sample({ version: "v2" }));
    const batch = r.takeBatch(facts)!;
    const bare = await report("reviews", batch, "/bare");
    expect(bare.status).toBe(500);
    expect(bare.body.error).toMatch(/props/);
    const bad = await report("reviews", { ...batch, series: [{ labels: {}, requests: -1 }] } as never);
    expect(bad.status).toBe(500);
    expect(bad.body.error).toMatch(/schema/);
  });

  it("merges batches from two reporters into /metrics, attesting each reporter", async () => {
    // reviews-v2's server side: 18 OK at 30 ms, 2 failures at 400 ms; it claims a foreign namespace
    const server = new MetricsRecorder({ workload: "reviews-v2" });
    for (let i = 0; i < 18; i++) server.recordRequest(sample({ version: "v2", destination: { ...sample({ version: "v2" }).destination, namespace: "evil", principal: "spiffe://evil/ns/x/sa/y" } }));
    for (let i = 0; i < 2; i++) server.recordRequest(sample({ version: "v2", responseCode: 503, responseFlags: "UH", durationMs: 400 }));
    server.recordAuthnFailure("token_expired");
    expect((await report("reviews", server.takeBatch(facts)!)).status).toBe(200);
    // productpage's client side: calls to reviews v1 and v2, and to ratings
    const client = new MetricsRecorder({ workload: "productpage-v1" });
    for (let i = 0; i < 6; i++) client.recordRequest(sample({ version: "v1", reporter: "source", durationMs: 3 }));
    // v2: 18 OK, and 2 that found every endpoint ejected (only callers see those)
    for (let i = 0; i < 18; i++) client.recordRequest(sample({ version: "v2", reporter: "source", durationMs: 31 }));
    for (let i = 0; i < 2; i++) client.recordRequest(sample({ version: "v2", reporter: "source", responseCode: 503, responseFlags: "UH", durationMs: 400 }));
    client.recordRequest(
      sample({ version: "v1", reporter: "source", destination: { serviceName: "ratings", serviceNamespace: "default", version: "v1", service: "ratings.default.svc.cluster.local" } }),
    );
    expect((await report("productpage", client.takeBatch({ ...facts, snapshotVersion: 6 })!)).status).toBe(200);
    // a second flush from reviews-v2 adds to the same series
    server.recordRequest(sample({ version: "v2" }));
    expect((await report("reviews", server.takeBatch(facts)!)).status).toBe(200);

    const res = await api("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    const families = parsePrometheusTextFormat(text) as any[];
    const requests = families.find((f) => f.name === "istio_requests_total");
    expect(requests.type).toBe("COUNTER");
    const count = (match: Record<string, string>) =>
      requests.metrics
        .filter((m: any) => Object.entries(match).every(([k, v]) => m.labels[k] === v))
        .reduce((sum: number, m: any) => sum + Number(m.value), 0);
    expect(count({ reporter: "destination", destination_version: "v2", response_code: "200" })).toBe(19);
    expect(count({ reporter: "destination", destination_version: "v2", response_code: "503", response_flags: "UH" })).toBe(2);
    expect(count({ reporter: "source", destination_service_name: "reviews" })).toBe(26);
    expect(count({ reporter: "source", destination_service_name: "ratings" })).toBe(1);
    // attested from the binding, not from the batch
    expect(count({ reporter: "destination", destination_workload_namespace: "evil" })).toBe(0);
    expect(count({ reporter: "destination", destination_principal: "spiffe://example.org/ns/default/sa/reviews" })).toBe(21);
    expect(count({ reporter: "source", source_principal: "spiffe://example.org/ns/default/sa/productpage" })).toBe(27);
    // dropped mesh-wide by ISTHMUS_DROP_LABELS; paths are never labels
    expect(requests.metrics.every((m: any) => !("destination_canonical_revision" in m.labels))).toBe(true);
    expect(text).not.toContain("/reviews/0");
    expect(requests.metrics[0].labels.connection_security_policy).toBe("mutual_tls");

    expect(text).toMatch(/^# TYPE istio_request_duration_milliseconds histogram$/m);
    expect(text).toMatch(/^# TYPE istio_request_bytes histogram$/m);
    expect(text).toMatch(/^# TYPE istio_response_bytes histogram$/m);
    const v2Failures = text.split("\n").filter((l) => l.startsWith("istio_request_duration_milliseconds_") && l.includes('response_code="503"'));
    expect(v2Failures.find((l) => l.includes('le="250"'))).toMatch(/ 0$/);
    expect(v2Failures.find((l) => l.includes('le="500"'))).toMatch(/ 2$/);
    expect(v2Failures.find((l) => l.startsWith("istio_request_duration_milliseconds_sum"))).toMatch(/ 800$/);

    const value = (name: string, labels: Record<string, string> = {}) =>
      families
        .find((f) => f.name === name)
        ?.metrics.filter((m: any) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
        .map((m: any) => Number(m.value));
    expect(value("isthmus_dataplane_snapshot_version", { workload: "reviews-v2" })).toEqual([7]);
    expect(value("isthmus_dataplane_snapshot_version", { workload: "productpage-v1" })).toEqual([6]);
    expect(value("isthmus_config_propagation_seconds", { workload: "reviews-v2" })![0]).toBeCloseTo(1.5, 1);
    expect(value("isthmus_authn_failures_total", { reason: "token_expired", destination_workload_namespace: "default" })).toEqual([1]);
    expect(value("isthmus_snapshot_version")).toHaveLength(1);
    expect(value("isthmus_metrics_source_up", { source: "mesh_control" })).toEqual([1]);
    expect(value("isthmus_metrics_source_up", { source: "ca" })).toEqual([1]);
  });

  it("spreads isolates over the shards and merges every shard on read", async () => {
    // 24 isolates of reviews-v2 (random ids: several shards) report the same series once each.
    const isolates = Array.from({ length: 24 }, () => new MetricsRecorder({ workload: "reviews-v2" }));
    for (const r of isolates) {
      r.recordRequest(sample({ version: "v9" }));
      expect((await report("reviews", r.takeBatch(facts)!)).status).toBe(200);
    }
    const families = parsePrometheusTextFormat(await (await api("/metrics")).text()) as any[];
    const v9 = families.find((f) => f.name === "istio_requests_total").metrics.filter((m: any) => m.labels.destination_version === "v9");
    expect(v9).toHaveLength(1); // one series, summed over the shards that hold it
    expect(Number(v9[0].value)).toBe(24);
    const seen = families.find((f) => f.name === "isthmus_dataplane_snapshot_version").metrics.map((m: any) => m.labels.isolate);
    for (const r of isolates) expect(seen).toContain(r.isolate);
    const up = families.find((f) => f.name === "isthmus_metrics_source_up").metrics;
    expect(up.filter((m: any) => m.labels.source === "telemetry_shard" && m.value === "1")).toHaveLength(8);
    const stats = await (await api("/v1/stats?service=reviews&window=1m")).json<{ versions: { version: string; requests: number }[] }>();
    expect(stats.versions.find((v: any) => v.version === "v9")).toMatchObject({ requests: 24 });
  });

  it("serves golden metrics per version and the edges, for the viewer role only", async () => {
    expect((await api("/v1/stats?service=reviews", null)).status).toBe(401);
    expect((await api("/metrics", "not-a-token")).status).toBe(401);
    expect((await api("/v1/tap?service=reviews", null)).status).toBe(401);
    const mint = async (role: string) => {
      const minted = (await control.fetch("http://control/v1/tokens", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ name: `t-${role}`, role, ...(role === "dataplane" ? { namespace: "default", serviceAccount: "reviews" } : {}) }),
      })) as unknown as Response;
      expect(minted.status).toBe(201);
      return ((await minted.json()) as { token: string }).token;
    };
    const viewer = await mint("viewer");
    expect((await api("/v1/stats?service=reviews", await mint("dataplane"))).status).toBe(403);
    const res = await api("/v1/stats?service=reviews&window=1m", viewer);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    const v2 = body.versions.find((v: any) => v.version === "v2");
    // The callers' counts, as a rollout's analysis reads them (outcome.ts).
    expect(v2.reporter).toBe("source");
    expect(v2.requests).toBe(20);
    expect(v2.successRate).toBeCloseTo(18 / 20);
    expect(v2.rps).toBeGreaterThan(20 / 60);
    expect(v2.latencyMs.p50).toBeCloseTo(25 + (25 * 10) / 18); // rank 10 of the 18 in (25,50]
    expect(v2.latencyMs.p99).toBeGreaterThan(250);
    const v1 = body.versions.find((v: any) => v.version === "v1");
    expect(v1).toMatchObject({ reporter: "source", requests: 6, successRate: 1 });

    const edges = (await (await api("/v1/stats/edges?window=5m")).json()) as any;
    const toRatings = edges.edges.find((e: any) => e.destination.service === "ratings");
    expect(toRatings).toMatchObject({ source: { workload: "productpage-v1", namespace: "default" }, requests: 1, reporter: "source" });
    expect((await api("/v1/stats/edges?window=5d")).status).toBe(400);
  });

  it("taps a service: isolates learn of it on flush, summaries stream as SSE until the time is up", async () => {
    const res = await api("/v1/tap?service=reviews&seconds=3");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let stream = "";
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(stream)) {
        const { value, done } = await reader.read();
        if (done) break;
        stream += value;
      }
    };
    await readUntil(/event: start/);

    const recorder = new MetricsRecorder({ workload: "reviews-v2" });
    recorder.recordRequest(sample({ version: "v2" }));
    const first = await report("reviews", recorder.takeBatch(facts)!);
    expect(first.body.tapped).toEqual(["reviews.default"]);
    recorder.setTapped(first.body.tapped);
    recorder.recordRequest(sample({ version: "v2", path: "/reviews/7?token=abc", responseCode: 503, responseFlags: "UH" }));
    await report("reviews", recorder.takeBatch(facts)!);
    await readUntil(/event: request[\s\S]*\n\n/);
    const event = JSON.parse(/event: request\ndata: (.*)\n/.exec(stream)![1]);
    expect(event).toMatchObject({ destination: "reviews.default", destinationVersion: "v2", path: "/reviews/7?token=[redacted]", responseCode: 503, responseFlags: "UH" });
    await readUntil(/event: end/);
    expect(stream).toContain("event: end");
    expect((await api("/v1/tap?service=reviews&seconds=0")).status).toBe(400);
  });

  it("applies a batch sent again once, takes batches without a number (older data planes), and refuses a malformed number by name", async () => {
    const r = new MetricsRecorder({ workload: "reviews-v2" });
    for (let i = 0; i < 3; i++) r.recordRequest(sample({ version: "v5" }));
    r.recordAuthnFailure("sent_twice");
    const first = r.takeBatch(facts)!;
    r.recordRequest(sample({ version: "v5" }));
    const second = r.takeBatch({ ...facts, snapshotVersion: 8 })!;
    expect([first.seq, second.seq]).toEqual([1, 2]);
    // The second lands first; the first lands late, twice (its given-up shipment and its copy).
    for (const batch of [second, first, first]) expect((await report("reviews", batch)).status).toBe(200);
    const old = new MetricsRecorder({ workload: "reviews-v2" });
    old.recordRequest(sample({ version: "v6" }));
    const { seq: _, ...unnumbered } = old.takeBatch(facts)!;
    for (let i = 0; i < 2; i++) expect((await report("reviews", unnumbered as TelemetryBatch)).status).toBe(200);

    const families = parsePrometheusTextFormat(await (await api("/metrics")).text()) as any[];
    const value = (name: string, labels: Record<string, string>) =>
      (families.find((f) => f.name === name)?.metrics ?? [])
        .filter((m: any) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
        .reduce((n: number, m: any) => n + Number(m.value), 0);
    expect(value("istio_requests_total", { reporter: "destination", destination_version: "v5" })).toBe(4);
    expect(value("isthmus_authn_failures_total", { reason: "sent_twice" })).toBe(1);
    // What the late batch says of its isolate is older than what the second said.
    expect(value("isthmus_dataplane_snapshot_version", { isolate: r.isolate })).toBe(8);
    // Without a number, each copy counts, as before numbers.
    expect(value("istio_requests_total", { reporter: "destination", destination_version: "v6" })).toBe(2);

    for (const seq of [0, 1.5, "3", -1]) {
      const refused = await report("reviews", { ...first, seq } as never);
      expect(refused.status).toBe(500);
      expect(refused.body.error).toMatch(/^telemetry batch does not match the schema: seq: /);
    }
  });

  it("bounds series per isolate and per shard, counting what was dropped", async () => {
    // The isolate holds 5 series; 40 sources claimed by a client give 5, the rest are dropped.
    const isolate = new MetricsRecorder({ workload: "reviews-v2", policy: { seriesLimit: 5 } });
    for (let i = 0; i < 40; i++) isolate.recordRequest(sample({ version: "v2", source: { workload: `forged-${i}`, namespace: "default" } }));
    const first = isolate.takeBatch(facts)!;
    expect(first.series).toHaveLength(5);
    expect(first.counters).toContainEqual({ name: "isthmus_telemetry_series_dropped_total", labels: { destination_workload: "reviews-v2", stage: "isolate" }, value: 35 });
    expect((await report("reviews", first)).status).toBe(200);
    // One isolate's flushes all go to one shard (limit 12 here): 30 new series overflow it.
    const many = new MetricsRecorder({ workload: "reviews-v2" });
    for (let i = 0; i < 30; i++) many.recordRequest(sample({ version: "v2", source: { workload: `other-${i}`, namespace: "default" } }));
    expect((await report("reviews", many.takeBatch(facts)!)).status).toBe(200);

    const families = parsePrometheusTextFormat(await (await api("/metrics")).text()) as any[];
    const reviewsSeries = families
      .find((f) => f.name === "istio_requests_total")
      .metrics.filter((m: any) => m.labels.destination_service_name === "reviews" && m.labels.destination_service_namespace === "default");
    const dropped = families.find((f) => f.name === "isthmus_telemetry_series_dropped_total").metrics;
    expect(dropped.find((m: any) => m.labels.stage === "isolate" && m.labels.destination_workload_namespace === "default")?.value).toBe("35");
    const shardDropped = dropped.filter((m: any) => m.labels.stage === "shard").reduce((n: number, m: any) => n + Number(m.value), 0);
    // every request of the 30 new series is counted: kept in a series, or dropped
    const kept = reviewsSeries.filter((m: any) => /^other-/.test(m.labels.source_workload)).length;
    expect(kept).toBeLessThanOrEqual(12);
    expect(kept + shardDropped).toBe(30);
    expect(shardDropped).toBeGreaterThan(0);
  });
});

// With the ISTHMUS_ANALYTICS dataset bound (Miniflare's local Analytics Engine binding, which
// accepts writeDataPoint and keeps nothing), series go there instead of the shards; isolates
// and counters still go to the isolate's shard, and reads need the SQL API settings.
describe("Telemetry with the Analytics Engine sink", () => {
  let sink: Miniflare;
  beforeAll(async () => {
    const script = await buildWorker("controlplane/worker.ts", "dist/test/telemetry/control.js");
    sink = new Miniflare({
      workers: [
        {
          name: "control",
          modules: true,
          scriptPath: script,
          compatibilityDate: "2026-04-26",
          durableObjects: {
            MESH_CONTROL: { className: "MeshControl", useSQLite: true },
            CA: { className: "CertificateAuthority", useSQLite: true },
            TELEMETRY: { className: "Telemetry", useSQLite: true },
          },
          analyticsEngineDatasets: { ISTHMUS_ANALYTICS: { dataset: "isthmus_telemetry" } },
          bindings: { ISTHMUS_ADMIN_TOKEN: ADMIN, ISTHMUS_CA_WRAPPING_KEY: "telemetry-test-wrapping-key-0123456789" },
        },
        {
          name: "reviews-v2",
          modules: [{ type: "ESModule" as const, path: "reporter.mjs", contents: REPORTER }],
          compatibilityDate: "2026-04-26",
          serviceBindings: { CONTROL: { name: "control", entrypoint: "MeshPeer", props: { namespace: "default", serviceAccount: "reviews" } } },
        },
      ],
    });
    await sink.ready;
  });
  afterAll(() => sink?.dispose());

  it("writes series through the binding, keeps isolates in the shards, and names the missing SQL API settings", async () => {
    const reporter = await sink.getWorker("reviews-v2");
    const control = await sink.getWorker("control");
    const get = async (path: string) => (await control.fetch(`http://control${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })) as unknown as Response;
    const r = new MetricsRecorder({ workload: "reviews-v2" });
    for (let i = 0; i < 300; i++) r.recordRequest(sample({ version: "v2", source: { workload: `client-${i}`, namespace: "default" } }));
    const sent = (await reporter.fetch("http://reporter/", { method: "POST", body: JSON.stringify(r.takeBatch(facts)) })) as unknown as Response;
    expect(sent.status).toBe(200);

    const metrics = await get("/metrics");
    expect(metrics.status).toBe(200);
    const families = parsePrometheusTextFormat(await metrics.text()) as any[];
    expect(families.find((f) => f.name === "istio_requests_total")?.metrics ?? []).toEqual([]);
    const up = families.find((f) => f.name === "isthmus_metrics_source_up").metrics;
    expect(up.find((m: any) => m.labels.source === "telemetry_series").value).toBe("0");
    expect(families.find((f) => f.name === "isthmus_dataplane_snapshot_version").metrics.map((m: any) => m.labels.isolate)).toEqual([r.isolate]);
    // 300 series, 240 points per flush at most: the other 60 requests are counted, not written.
    const dropped = families.find((f) => f.name === "isthmus_telemetry_series_dropped_total").metrics;
    expect(dropped).toEqual([expect.objectContaining({ labels: expect.objectContaining({ stage: "sink" }), value: "60" })]);

    const stats = await get("/v1/stats?service=reviews");
    expect(stats.status).toBe(503);
    const body = (await stats.json()) as any;
    expect(body.error.code).toBe("analytics_unconfigured");
    expect(body.error.details.map((d: any) => d.path)).toEqual(["ISTHMUS_ANALYTICS_ACCOUNT_ID", "ISTHMUS_ANALYTICS_API_TOKEN"]);
  });
});
