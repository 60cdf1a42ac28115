// Progressive delivery through the real runtime: the control plane with its rollout
// controllers (Durable Objects on alarms), the gateway and meshed echo services in two
// versions each, joined by service bindings. Traffic goes through the gateway; the canary
// fails on request (/__fault); the controller reads the mesh's own telemetry.
import { createServer, type Server } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestMesh, type EchoWorker, type TestMesh } from "../harness/data-plane.ts";

const SERVICES = ["alpha", "beta", "gamma"] as const;
const ECHOES: EchoWorker[] = SERVICES.flatMap((service) => [
  { name: `${service}-v1`, service, version: "v1" },
  { name: `${service}-v2`, service, version: "v2" },
]);

let mesh: TestMesh;
let hookServer: Server;
let hookUrl: string;
const hookEvents: Array<{ name: string; namespace: string; phase: string; metadata: { eventType: string; eventMessage: string; weight: string } }> = [];

function config(service: string): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${service} }
spec:
  hosts: [${service}]
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints:
  - { address: "worker://${service}-v1", labels: { app: ${service}, version: v1 } }
  - { address: "worker://${service}-v2", labels: { app: ${service}, version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ${service} }
spec:
  host: ${service}
  subsets: [{ name: stable, labels: { version: v1 } }, { name: canary, labels: { version: v2 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${service} }
spec:
  hosts: [${service}.test]
  gateways: [test-gateway]
  http:
  - name: main
    stickyHash: { httpHeaderName: x-user }
    route: [{ destination: { host: ${service}, subset: stable } }]
`;
}

function rollout(service: string, spec: string): string {
  return `apiVersion: rollouts.isthmus.io/v1alpha1
kind: Rollout
metadata: { name: ${service}, annotations: { isthmus.io/allow-private-addresses: "true" } }
spec:
  service: ${service}
  stableSubset: stable
  canarySubset: canary
  virtualService: ${service}
  webhooks: [{ name: local, url: "${hookUrl}" }]
${spec}`;
}

beforeAll(async () => {
  hookServer = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      hookEvents.push(JSON.parse(body));
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/hook`;
  // Telemetry flushed every 200 ms, so 1 s analysis windows see the traffic of that second.
  mesh = await startTestMesh({ echoes: ECHOES, refreshMs: 100, vars: { ISTHMUS_TELEMETRY_FLUSH_MS: "200" } });
  await mesh.apply(`apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: istio-system }
spec: { mtls: { mode: PERMISSIVE } }
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: test-gateway }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }]
---
${SERVICES.map(config).join("---\n")}`);
  await mesh.settle(await mesh.snapshotVersion());
}); // within vitest.config's hookTimeout (120 s): building and starting nine Workers can take over 60 s under load

afterAll(async () => {
  await mesh?.dispose();
  await new Promise((resolve) => hookServer?.close(resolve));
});

interface Status {
  phase: string;
  stepIndex: number;
  weight: number;
  failures: number;
  message: string;
  steps: Array<{ weight: number; approval: boolean; minRequests: number; minDuration?: string }>;
  history: Array<{ event: string; phase: string; weight: number; revision?: number; repeated?: number; verdict?: { result: string; reason: string; canary: { requests: number; errors: number }; stable: { requests: number }; checks: Array<{ name: string; result: string }> } }>;
}

async function status(service: string): Promise<Status> {
  const response = await mesh.control(`/v1/namespaces/default/rollouts/${service}`);
  const body = (await response.json()) as { status: Status };
  if (!response.ok) throw new Error(`GET rollout ${service}: ${response.status} ${JSON.stringify(body)}`);
  return body.status;
}

async function until(service: string, done: (s: Status) => boolean, timeoutMs = 20_000): Promise<Status> {
  const started = Date.now();
  for (;;) {
    const s = await status(service);
    if (done(s)) return s;
    if (Date.now() - started > timeoutMs) throw new Error(`${service} stuck: ${JSON.stringify({ ...s, history: s.history.slice(-3) })}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function action(service: string, verb: string): Promise<Response> {
  return mesh.control(`/v1/namespaces/default/rollouts/${service}:${verb}`, { method: "POST" });
}

const loads = new Set<{ stop(): Promise<void> }>();
afterEach(async ({ task }) => {
  await Promise.all([...loads].map((load) => load.stop()));
  loads.clear();
  // A test that failed midway left its canary failing: put every version right, so one failure stays one.
  if (task.result?.state === "fail") await Promise.all(ECHOES.map(async (echo) => (await mesh.worker(echo.name, "/__fault")).arrayBuffer()));
});

/** Sends requests through the gateway until stopped, `concurrency` at a time; records each user's versions in order. */
function traffic(service: string, options: { concurrency?: number; pauseMs?: number; users?: number } = {}) {
  const seen = new Map<string, string[]>();
  let running = true;
  let sent = 0;
  const worker = async (lane: number) => {
    for (let i = 0; running; i++) {
      const user = `u${(lane * 7919 + i * 31) % (options.users ?? 200)}`;
      const response = await mesh.gateway("/", { host: `${service}.test`, headers: { "x-user": user } });
      await response.arrayBuffer();
      sent += 1;
      const pod = response.headers.get("x-pod");
      if (pod) {
        const versions = seen.get(user) ?? [];
        if (versions.at(-1) !== pod) versions.push(pod);
        seen.set(user, versions);
      }
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  // A lane stops at its first failed request (a test that failed midway restarts the mesh under it).
  const lanes = Array.from({ length: options.concurrency ?? 6 }, (_, lane) => worker(lane).catch(() => undefined));
  const load = {
    seen,
    sent: () => sent,
    async stop() {
      running = false;
      await Promise.all(lanes);
    },
  };
  loads.add(load);
  return load;
}

/**
 * Isolates flush telemetry on a request once the flush interval has passed, so an idle one
 * holds its last counts: after a test's traffic stops, one more request per Worker ships
 * them, or they would land in the next rollout's first window.
 */
async function flushTelemetry(service: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await (await mesh.gateway("/__flush", { host: `${service}.test` })).arrayBuffer();
  for (const version of ["v1", "v2"]) await (await mesh.worker(`${service}-${version}`, "/__flush")).arrayBuffer();
}

async function virtualServiceWeights(service: string): Promise<Array<{ subset: string; weight: number }>> {
  const response = await mesh.control(`/v1/namespaces/default/virtualservices/${service}`);
  const vs = (await response.json()) as { spec: { http: Array<{ name?: string; route: Array<{ destination: { subset: string }; weight?: number }> }> } };
  return vs.spec.http.find((r) => r.name === "main")!.route.map((d) => ({ subset: d.destination.subset, weight: d.weight ?? 100 }));
}

describe("Rollout resource", () => {
  it("refuses a second Rollout on a route another drives, with 409 rollout_conflict naming it", async () => {
    await mesh.apply(rollout("gamma", `  steps: [{ weight: 10 }]\n  analysis: { interval: 1s, minRequests: 1000000 }\n`));
    const response = await mesh.control("/v1/apply", {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      body: rollout("gamma", "  stepWeight: 5\n").replace("name: gamma,", "name: gamma-two,"),
    });
    expect(response.status).toBe(409);
    const body = (await response.json()) as { error: { code: string; message: string; details: Array<{ path: string }> } };
    expect(body.error.code).toBe("rollout_conflict");
    expect(body.error.message).toContain("Rollout default/gamma already drives");
    expect(body.error.details[0]!.path).toBe("documents[0].spec.virtualService");
  });

  it("refuses a VirtualService change that lets two Rollouts drive one route, naming both", async () => {
    const side = (host: string) => `  - name: side\n    match: [{ headers: { x-side: { exact: "1" } } }]\n    route: [{ destination: { host: ${host}, subset: stable } }]\n`;
    // gamma drives every route of its VirtualService that splits its stable/canary; "side" goes elsewhere.
    await mesh.apply(config("gamma") + side("alpha"));
    await mesh.apply(rollout("gamma", `  routes: [side]\n  steps: [{ weight: 10 }]\n`).replace("name: gamma,", "name: gamma-side,"));
    const response = await mesh.control("/v1/apply", { method: "POST", headers: { "content-type": "application/yaml" }, body: config("gamma").split("---\n")[2]! + side("gamma") });
    expect(response.status).toBe(409);
    const body = (await response.json()) as { error: { code: string; message: string; details: Array<{ path: string }> } };
    expect(body.error.code).toBe("rollout_conflict");
    expect(body.error.message).toContain("would let Rollouts default/gamma and default/gamma-side drive the same route");
    expect(body.error.details[0]!.path).toBe("documents[0].spec.http");
    expect((await mesh.control("/v1/namespaces/default/rollouts/gamma-side", { method: "DELETE" })).status).toBe(200);
    await mesh.apply(config("gamma"));
  });
});

describe("Rollout validation", () => {
  it("answers 422 with the field path and stores nothing; lists Rollouts with their status", async () => {
    const response = await mesh.control("/v1/namespaces/default/rollouts/beta", {
      method: "PUT",
      headers: { "content-type": "application/yaml" },
      body: rollout("beta", "  steps: [{ weight: 50 }, { weight: 5 }]\n"),
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { code: string; details: Array<{ path: string; message: string }> } };
    expect(body.error).toMatchObject({ code: "invalid_resource", details: [{ path: "spec.steps[1].weight", message: "must be above the previous step's weight" }] });
    expect((await mesh.control("/v1/namespaces/default/rollouts/beta")).status).toBe(404);
    const list = (await (await mesh.control("/v1/namespaces/default/rollouts")).json()) as { items: Array<{ metadata: { name: string }; status: { phase: string } }> };
    expect(list.items.map((r) => [r.metadata.name, typeof r.status.phase])).toEqual([["gamma", "string"]]);
    const everywhere = (await (await mesh.control("/v1/rollouts")).json()) as { items: Array<{ metadata: { name: string }; status: { phase: string } }> };
    expect(everywhere.items.map((r) => [r.metadata.name, typeof r.status.phase])).toEqual([["gamma", "string"]]);
  });
});

describe("a healthy canary", () => {
  it("advances through its steps to 100 %, sticky users never bounce back, and every step is recorded", async () => {
    const load = traffic("alpha");
    await mesh.apply(rollout("alpha", `  steps: [{ weight: 10 }, { weight: 40 }, { weight: 70 }]
  analysis: { interval: 1s, minRequests: 15, successRate: { min: 95, confidence: 0.99 }, failureLimit: 0 }
`));
    const done = await until("alpha", (s) => s.phase === "Promoted", 40_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await load.stop();
    expect(done.weight).toBe(100);
    expect(done.history.filter((h) => h.event === "advance").map((h) => h.weight)).toEqual([40, 70]);
    expect(done.history.map((h) => h.event)).toEqual(expect.arrayContaining(["start", "promote"]));
    const passes = done.history.filter((h) => h.verdict?.result === "pass");
    expect(passes.length).toBeGreaterThanOrEqual(3);
    expect(passes[0]!.verdict!.canary.requests).toBeGreaterThanOrEqual(15);
    // No errors on either side: too few expected errors for the z-test, so Fisher's exact test judges.
    expect(passes[0]!.verdict!.checks.map((c) => c.name)).toEqual(["successRate", "fisherExact"]);
    expect(done.history.filter((h) => h.event !== "hold").every((h) => typeof h.revision === "number")).toBe(true);
    expect(await virtualServiceWeights("alpha")).toEqual([{ subset: "stable", weight: 0 }, { subset: "canary", weight: 100 }]);

    // Sticky: a user who reached the canary stayed on it while the weight grew.
    const bounced = [...load.seen].filter(([, versions]) => versions.length > 2 || (versions.length === 2 && versions[0] === "alpha-v2"));
    expect(bounced).toEqual([]);
    await mesh.settle(await mesh.snapshotVersion(), () => mesh.gateway("/__settle", { host: "alpha.test" }));
    const everyone = await Promise.all(Array.from({ length: 40 }, (_, i) => mesh.gateway("/", { host: "alpha.test", headers: { "x-user": `u${i}` } })));
    expect(new Set(everyone.map((r) => r.headers.get("x-pod")))).toEqual(new Set(["alpha-v2"]));

    // Revisions carry the reason; webhooks got Flagger's shape; metrics and series show it.
    const revision = await mesh.control(`/v1/revisions/${done.history.find((h) => h.event === "promote")!.revision}`);
    expect(((await revision.json()) as { actor: string; message: string })).toMatchObject({ actor: "rollout:default/alpha", message: expect.stringContaining("rollout default/alpha promote") });
    const events = hookEvents.filter((e) => e.name === "alpha");
    expect(events.map((e) => e.metadata.eventType)).toEqual(["start", "advance", "advance", "promote"]);
    expect(events.at(-1)).toMatchObject({ namespace: "default", phase: "Promoted", metadata: { weight: "100" } });
    const metrics = await (await mesh.control("/metrics")).text();
    expect(metrics).toContain('rollout_weight{namespace="default",rollout="alpha"} 100');
    expect(metrics).toContain('rollout_phase{namespace="default",rollout="alpha",phase="Promoted"} 1');
    expect(metrics).toMatch(/rollout_analysis_total\{namespace="default",rollout="alpha",result="pass"\} [3-9]/);
    const series = (await (await mesh.control("/v1/namespaces/default/rollouts/alpha/series?window=5m")).json()) as { buckets: Array<{ canary: { requests: number } }> };
    expect(series.buckets.reduce((sum, b) => sum + b.canary.requests, 0)).toBeGreaterThan(45);
  }, 50_000);
});

describe("a failing canary", () => {
  it("is rolled back within one analysis interval of the breach, and every user returns to stable", async () => {
    const load = traffic("beta");
    // Step 0 lasts a minute: its analyses pass, each window starting where the last one ended.
    await mesh.apply(rollout("beta", `  steps: [{ weight: 30, minDuration: 60s }, { weight: 60 }]
  analysis: { interval: 1s, minRequests: 10, successRate: { min: 95 }, failureLimit: 0 }
`));
    await until("beta", (s) => s.history.some((h) => h.verdict?.result === "pass"));
    // The canary goes bad: 40 % of its answers are 503.
    await (await mesh.worker("beta-v2", "/__fault?errorPercent=40")).arrayBuffer();
    const breach = Date.now();
    const rolled = await until("beta", (s) => s.phase === "RolledBack", 10_000);
    const tookMs = Date.now() - breach;
    console.log(`breach to RolledBack: ${tookMs} ms (interval 1 s, telemetry flush 200 ms)`);
    expect(tookMs).toBeLessThan(2500);
    expect(rolled.weight).toBe(0);
    const failed = rolled.history.at(-1)!;
    expect(failed).toMatchObject({ event: "rollback", verdict: { result: "fail" } });
    expect(failed.verdict!.canary.errors).toBeGreaterThan(0);
    // The two-proportion test usually sees it first (e.g. 12/267 errors against 0/593), the 95 % floor next.
    expect(failed.verdict!.reason).toMatch(/canary errors \d+\/\d+ vs stable \d+\/\d+: worse at 95% confidence|canary success .* below the floor 95%/);
    expect(await virtualServiceWeights("beta")).toEqual([{ subset: "stable", weight: 100 }, { subset: "canary", weight: 0 }]);
    await mesh.settle(await mesh.snapshotVersion(), () => mesh.gateway("/__settle", { host: "beta.test" }));
    await load.stop();
    const after = await Promise.all(Array.from({ length: 40 }, (_, i) => mesh.gateway("/", { host: "beta.test", headers: { "x-user": `u${i}` } })));
    expect(new Set(after.map((r) => r.headers.get("x-pod")))).toEqual(new Set(["beta-v1"]));
    expect(hookEvents.filter((e) => e.name === "beta").at(-1)).toMatchObject({ phase: "RolledBack", metadata: { eventType: "rollback", weight: "0" } });
    await (await mesh.worker("beta-v2", "/__fault?errorPercent=0")).arrayBuffer();
    await flushTelemetry("beta");
  }, 30_000);
});

describe("pre-stage and mirroring", () => {
  it("sends only testers to the canary, then mirrors stable traffic to it, before any weighted step", async () => {
    await mesh.apply(rollout("beta", `  preStage: { headers: [{ name: x-canary, exact: "true" }], minRequests: 5 }
  mirror: { minRequests: 20 }
  steps: [{ weight: 50 }]
  analysis: { interval: 1s, minRequests: 5, failureLimit: 0 }
`));
    await until("beta", (s) => s.phase === "PreStage");
    await mesh.settle(await mesh.snapshotVersion(), () => mesh.gateway("/__settle", { host: "beta.test" }));
    const pods = async (headers: Record<string, string>) =>
      new Set((await Promise.all(Array.from({ length: 10 }, (_, i) => mesh.gateway("/", { host: "beta.test", headers: { "x-user": `t${i}`, ...headers } })))).map((r) => r.headers.get("x-pod")));
    expect(await pods({ "x-canary": "true" })).toEqual(new Set(["beta-v2"]));
    expect(await pods({})).toEqual(new Set(["beta-v1"]));
    expect(await virtualServiceWeights("beta")).toEqual([{ subset: "stable", weight: 100 }, { subset: "canary", weight: 0 }]);
    // The rollout's first interval only starts its window (counts from before the start may
    // still arrive): testers who test after it count. Its first verdict says it has started;
    // waiting for it, not for a guessed time, keeps a late alarm under load from swallowing them.
    await until("beta", (s) => s.phase !== "PreStage" || s.history.slice(s.history.findLastIndex((h) => h.event === "start")).some((h) => h.phase === "PreStage" && h.verdict));
    expect(await pods({ "x-canary": "true" })).toEqual(new Set(["beta-v2"]));

    traffic("beta", { concurrency: 4 });
    const mirroring = await until("beta", (s) => s.phase === "Mirroring");
    expect(mirroring.history.at(-1)).toMatchObject({ event: "advance", weight: 0 });
    const vs = (await (await mesh.control("/v1/namespaces/default/virtualservices/beta")).json()) as { spec: { http: Array<{ name?: string; mirror?: { subset: string } }> } };
    expect(vs.spec.http.find((r) => r.name === "main")!.mirror).toMatchObject({ subset: "canary" });
    // Mirrored copies reach the canary and count in its analysis: the rollout moves on to its first step.
    const stepped = await until("beta", (s) => s.phase === "Progressing");
    expect(stepped.weight).toBe(50);
    expect((await action("beta", "abort")).status).toBe(200);
  }, 30_000);
});

describe("a canary whose Worker throws", () => {
  it("is rolled back at once on its exceptions, with too few requests for the statistics", async () => {
    await mesh.apply(rollout("beta", `  steps: [{ weight: 50 }]
  analysis: { interval: 1s, minRequests: 1000000, failureLimit: 3 }
`));
    await until("beta", (s) => s.phase === "Progressing");
    await (await mesh.worker("beta-v2", "/__fault?throwPercent=20")).arrayBuffer();
    const load = traffic("beta", { concurrency: 4 });
    const rolled = await until("beta", (s) => s.phase === "RolledBack", 10_000);
    await load.stop();
    expect(rolled.history.at(-1)!.verdict).toMatchObject({ result: "fail", checks: [{ name: "exceptions", result: "fail" }] });
    await (await mesh.worker("beta-v2", "/__fault?throwPercent=0")).arrayBuffer();
    await flushTelemetry("beta");
  }, 20_000);
});

describe("too little traffic", () => {
  it("holds with insufficient_data: never advances, never counts a failure", async () => {
    const load = traffic("gamma", { concurrency: 1, pauseMs: 100 });
    await until("gamma", (s) => (s.history.at(-1)?.repeated ?? 0) >= 3, 15_000);
    await load.stop();
    const held = await status("gamma");
    expect(held).toMatchObject({ phase: "Progressing", stepIndex: 0, weight: 10, failures: 0 });
    expect(held.history.some((h) => h.event === "advance" || h.event === "rollback")).toBe(false);
    // Holds in a row are one entry with the latest verdict and how many there were.
    expect(held.history.at(-1)).toMatchObject({ event: "hold", verdict: { result: "insufficient_data", checks: [{ name: "fisherExact", result: "insufficient_data" }] } });
    expect(held.message).toMatch(/too few requests to judge: canary \d+, stable \d+, need 1000000 each/);
  }, 20_000);
});

describe("manual gates and actions", () => {
  it("waits for approval, refuses actions the phase does not allow, and aborts to stable", async () => {
    await mesh.apply(rollout("gamma", `  steps: [{ weight: 10 }, { weight: 50, approval: true }]
  analysis: { interval: 1s, minRequests: 5, failureLimit: 0 }
`));
    const load = traffic("gamma", { concurrency: 4 });
    const waiting = await until("gamma", (s) => s.phase === "WaitingApproval");
    // Each step's gates are in the status: surfaces need not read the spec.
    expect(waiting.steps).toEqual([{ weight: 10, approval: false, minRequests: 5 }, { weight: 50, approval: true, minRequests: 5 }, { weight: 100, approval: false, minRequests: 5 }]);
    expect(waiting.message).toBe("waiting for approval before step 2 (50%)");
    const refused = await action("gamma", "resume");
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rollout_invalid_transition");
    const approved = await action("gamma", "approve");
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ phase: "Progressing", stepIndex: 1, weight: 50 });
    expect(await virtualServiceWeights("gamma")).toEqual([{ subset: "stable", weight: 50 }, { subset: "canary", weight: 50 }]);
    const paused = await action("gamma", "pause");
    expect(await paused.json()).toMatchObject({ phase: "Paused" });
    const aborted = await action("gamma", "abort");
    expect(await aborted.json()).toMatchObject({ phase: "Aborted", weight: 0 });
    await load.stop();
    expect(await virtualServiceWeights("gamma")).toEqual([{ subset: "stable", weight: 100 }, { subset: "canary", weight: 0 }]);
    const viewer = await mesh.control("/v1/namespaces/default/rollouts/nope:abort", { method: "POST" });
    expect(viewer.status).toBe(404);
    const history = (await (await mesh.control("/v1/namespaces/default/rollouts/gamma/history")).json()) as { items: Array<{ event: string; actor?: string }> };
    expect(history.items.filter((h) => h.actor === "admin").map((h) => h.event)).toEqual(["approve", "pause", "abort"]);
    // Retry starts over from the first step.
    expect(await (await action("gamma", "retry")).json()).toMatchObject({ phase: "Progressing", stepIndex: 0, weight: 10, failures: 0 });
    expect(await (await action("gamma", "abort")).json()).toMatchObject({ phase: "Aborted", weight: 0 });
  }, 30_000);
});

describe("a canary held for approval", () => {
  it("is still judged while it waits, and rolled back when it fails", async () => {
    await mesh.apply(rollout("beta", `  steps: [{ weight: 30 }, { weight: 60, approval: true }]
  analysis: { interval: 1s, minRequests: 10, successRate: { min: 95 }, failureLimit: 0 }
`));
    const load = traffic("beta", { concurrency: 4 });
    await until("beta", (s) => s.history.some((h) => h.phase === "WaitingApproval" && h.verdict?.result === "pass"), 15_000);
    await (await mesh.worker("beta-v2", "/__fault?errorPercent=40")).arrayBuffer();
    const rolled = await until("beta", (s) => s.phase === "RolledBack", 10_000);
    await load.stop();
    expect(rolled.history.at(-1)).toMatchObject({ event: "rollback", weight: 0, verdict: { result: "fail" } });
    expect(rolled.message).toMatch(/^rolled back: analysis failed 1 time\(s\) while waiting for approval, limit 0: /);
    expect(rolled.history.some((h) => h.event === "advance" && h.weight === 60)).toBe(false);
    expect(await virtualServiceWeights("beta")).toEqual([{ subset: "stable", weight: 100 }, { subset: "canary", weight: 0 }]);
    await (await mesh.worker("beta-v2", "/__fault?errorPercent=0")).arrayBuffer();
    await flushTelemetry("beta");
  }, 30_000);
});

describe("a restart mid-rollout", () => {
  it("resumes from the recorded step, and a deleted Rollout's controller stops", async () => {
    // alpha again, from the start: its promoted Rollout deleted, its route back on stable.
    expect((await mesh.control("/v1/namespaces/default/rollouts/alpha", { method: "DELETE" })).status).toBe(200);
    expect((await mesh.control("/v1/namespaces/default/rollouts/alpha")).status).toBe(404);
    await mesh.apply(config("alpha"));
    const load = traffic("alpha", { concurrency: 4 });
    await mesh.apply(rollout("alpha", `  steps: [{ weight: 20, minDuration: 3s }, { weight: 50 }]
  analysis: { interval: 1s, minRequests: 5, failureLimit: 0 }
`));
    await until("alpha", (s) => s.phase === "Progressing" && s.stepIndex === 0 && s.history.length === 1);
    await load.stop();
    // Every Worker restarts (Durable Object storage and alarms persist); nothing wakes the controller but its alarm.
    await mesh.restart({ controlPlaneDown: false });
    expect(await status("alpha")).toMatchObject({ phase: "Progressing", stepIndex: 0, weight: 20 });
    traffic("alpha", { concurrency: 4 });
    const done = await until("alpha", (s) => s.phase === "Promoted", 20_000);
    expect(done.history.filter((h) => h.event === "start")).toHaveLength(1);
    expect(done.history.filter((h) => h.event === "advance").map((h) => h.weight)).toEqual([50]);
  }, 50_000);
});
