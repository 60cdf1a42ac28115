// One real rollout at a time through the local mesh on workerd (Bookinfo, the control plane's
// RolloutController Durable Object): reviews v1 -> v3 at 20 % while Bookinfo traffic flows,
// then a breach — ratings answers 1 s late (a VirtualService delay fault), which only the
// canary feels (reviews-v3 calls ratings, v1 does not) — and the time from that apply to the
// controller writing the canary's weight 0 into the VirtualService. Latency breach, so the
// analysis has a p99 ceiling; between rollouts the fault goes and the Rollout is retried.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import YAML from "yaml";
import { bootstrapMesh } from "../../../local/bootstrap.mjs";
import { repoRoot } from "../../../local/build.mjs";
import { startLocalMesh } from "../../../local/mesh.mjs";
import { median } from "../stats.mjs";

const INTERVAL = "10s";
const ROLLOUT = {
  apiVersion: "rollouts.isthmus.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "reviews", namespace: "default" },
  spec: {
    service: "reviews",
    stableSubset: "v1",
    canarySubset: "v3",
    virtualService: "reviews",
    // The long first step keeps the rollout Progressing (analysed every interval) at 20 %.
    steps: [{ weight: 20, minDuration: "1h" }, { weight: 100 }],
    analysis: { interval: INTERVAL, minRequests: 20, latency: { p99Max: "500ms" }, failureLimit: 1 },
  },
};
const DELAYED_RATINGS = {
  apiVersion: "networking.istio.io/v1",
  kind: "VirtualService",
  metadata: { name: "ratings", namespace: "default" },
  spec: { hosts: ["ratings"], http: [{ fault: { delay: { fixedDelay: "1s", percentage: { value: 100 } } }, route: [{ destination: { host: "ratings", subset: "v1" } }] }] },
};

/** Breach -> weight 0 for `rollouts` rollouts in a row, with the requests the broken canary answered meanwhile. */
export async function measureRolloutEndToEnd({ rollouts = 5, log = () => {} } = {}) {
  const stateDir = await mkdtemp(join(tmpdir(), "isthmus-bench-rollout-"));
  const admin = `bench-${crypto.randomUUID()}`;
  const mesh = await startLocalMesh({
    stateDir,
    adminToken: admin,
    controlPort: 0,
    gatewayPort: 0,
    persist: false,
    refreshMs: 500,
    controlVars: { ISTHMUS_CA_WRAPPING_KEY: crypto.randomUUID() + crypto.randomUUID() },
    dataPlaneVars: { ISTHMUS_ACCESS_LOG: "off" },
  });
  const api = async (path, init = {}) => {
    const response = await fetch(new URL(path, mesh.controlUrl), { ...init, headers: { authorization: `Bearer ${admin}`, "content-type": "application/json", ...init.headers } });
    if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const apply = (resource) => api("/v1/apply", { method: "POST", body: JSON.stringify(resource) });
  const status = async () => (await api("/v1/namespaces/default/rollouts/reviews")).status;
  const canaryWeight = async () => {
    const vs = await api("/v1/namespaces/default/virtualservices/reviews");
    return vs.spec.http[0].route.find((d) => d.destination.subset === "v3")?.weight ?? 0;
  };
  const traffic = trafficTo(`${mesh.gatewayUrl}/api/v1/products/0/reviews`, 4);
  try {
    await bootstrapMesh({ controlUrl: mesh.controlUrl, adminToken: admin, stateDir });
    const original = YAML.parseAllDocuments(await readFile(resolve(repoRoot, "demo/bookinfo/config/routes-v1.yaml"), "utf8"))
      .map((d) => d.toJSON())
      .find((r) => r.kind === "VirtualService" && r.metadata.name === "ratings");
    await until(async () => (await fetch(`${mesh.gatewayUrl}/api/v1/products/0/reviews`)).ok, 60_000, "Bookinfo through the gateway");
    traffic.start();
    await apply(ROLLOUT);
    const runs = [];
    for (let i = 0; i < rollouts; i++) {
      // A clean start: the canary at 20 %, a passed analysis and no failure counted since this
      // attempt began (a slow answer of the last breach landing after the retry would count one,
      // and make the next rollback look a failure early: then start again).
      for (let attempt = 0; ; attempt++) {
        if (attempt > 3) throw new Error("no clean start at 20 % after 4 attempts");
        if (i > 0 || attempt > 0) {
          await apply(original);
          if ((await status()).phase === "Progressing") await api("/v1/namespaces/default/rollouts/reviews:abort", { method: "POST" });
          // Let the slow answers of the breach drain and be reported before the retry's window starts.
          await sleep(8_000);
          await api("/v1/namespaces/default/rollouts/reviews:retry", { method: "POST" });
        }
        const since = new Date().toISOString();
        await until(async () => {
          const s = await status();
          return s.phase === "Progressing" && s.history.some((e) => e.at >= since && e.verdict?.result === "pass");
        }, 120_000, "a passed analysis at 20 %");
        if ((await status()).failures === 0) break;
      }
      // Breach at a random point of the analysis interval.
      await sleep(Math.random() * 10_000);
      traffic.mark();
      const t0 = performance.now();
      await apply(DELAYED_RATINGS);
      await until(async () => (await canaryWeight()) === 0, 120_000, "the canary's weight 0");
      const ms = performance.now() - t0;
      const slowCanary = traffic.mark().filter((r) => r.pod === "reviews-v3" && r.ms > 500).length;
      const s = await status();
      const rollback = s.history.findLast((e) => e.event === "rollback");
      runs.push({ ms, slowCanary, phase: s.phase, reason: rollback?.message ?? s.message });
      log(`rollout e2e ${i + 1}/${rollouts}: breach -> weight 0 in ${(ms / 1000).toFixed(1)} s, ${slowCanary} slow canary answers; ${s.phase}: ${rollback?.message ?? s.message}`);
    }
    const seconds = runs.map((r) => r.ms / 1000);
    return {
      rollouts,
      interval: INTERVAL,
      spec: ROLLOUT.spec,
      medianSeconds: median(seconds),
      minSeconds: Math.min(...seconds),
      maxSeconds: Math.max(...seconds),
      slowCanaryMedian: median(runs.map((r) => r.slowCanary)),
      phases: [...new Set(runs.map((r) => r.phase))],
      reason: runs.at(-1)?.reason,
      failedRequests: traffic.failed(),
    };
  } finally {
    await traffic.stop();
    await mesh.dispose();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** `loops` clients asking `url` back to back; `mark()` returns the answers since the last mark. */
function trafficTo(url, loops) {
  let running = false;
  let failed = 0;
  let answers = [];
  let all = [];
  const one = async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const response = await fetch(url);
        const body = await response.json().catch(() => ({}));
        if (!response.ok) failed++;
        answers.push({ pod: body.podname, ms: performance.now() - t0 });
      } catch {
        failed++;
      }
    }
  };
  return {
    start() {
      running = true;
      all = Array.from({ length: loops }, one);
    },
    mark() {
      const seen = answers;
      answers = [];
      return seen;
    },
    failed: () => failed,
    async stop() {
      running = false;
      await Promise.all(all);
    },
  };
}

async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
