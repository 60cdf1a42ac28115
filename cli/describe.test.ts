// `isthmus describe` against the real control plane (workerd via Miniflare), with a
// data-plane stand-in bound to MeshPeer that reports its snapshot version with telemetry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetricsRecorder } from "../dataplane/telemetry/metrics.ts";
import { startControlPlane, TEST_ADMIN_TOKEN, type ControlPlane } from "../test/harness/control-plane.ts";
import { cleanEnv, runCli } from "./run-cli.ts";

// Forwards the batch it is given to MeshPeer over Workers RPC, as a data plane flushes.
const REPORTER = `export default {
  async fetch(request, env) {
    return Response.json(await env.ISTHMUS_CONTROL.reportTelemetry(await request.json()));
  },
};`;

const POLICIES = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: reviews-v2-viewers, namespace: default}
spec:
  selector: {matchLabels: {app: reviews, version: v2}}
  action: ALLOW
  rules:
  - from:
    - source: {principals: ["cluster.local/ns/default/sa/productpage"]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ratings-only, namespace: default}
spec:
  selector: {matchLabels: {app: ratings}}
  action: DENY
  rules:
  - to:
    - operation: {methods: ["DELETE"]}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
  mtls: {mode: STRICT}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: elsewhere, namespace: shop}
spec:
  mtls: {mode: PERMISSIVE}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-canary, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 90
    - destination: {host: reviews, subset: v4}
      weight: 10
`;

let cp: ControlPlane;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, { env });

beforeAll(async () => {
  cp = await startControlPlane({
    workers: [
      {
        name: "reviews-v2",
        modules: [{ type: "ESModule", path: "reporter.mjs", contents: REPORTER }],
        compatibilityDate: "2026-04-26",
        serviceBindings: { ISTHMUS_CONTROL: { name: "isthmus-control", entrypoint: "MeshPeer", props: { namespace: "default", serviceAccount: "reviews" } } },
      },
    ],
  });
  env = cleanEnv({ ISTHMUS_SERVER: (await cp.mf.ready).origin, ISTHMUS_TOKEN: TEST_ADMIN_TOKEN });
  expect((await cli("apply", "-f", "demo/bookinfo/config")).code).toBe(0);
  const policies = await runCli(["apply", "-f", "-"], { env, input: POLICIES });
  expect(policies.code, policies.stderr).toBe(0);
  const registered = await cp.request("/v1/registry/endpoints", { body: { service: "reviews", address: "worker://reviews-v2", labels: { app: "reviews", version: "v2" } } });
  expect(registered.status).toBe(201);

  // reviews-v2's isolate routes by snapshot 7 and says so in its telemetry flush.
  const recorder = new MetricsRecorder({ workload: "reviews-v2" });
  recorder.recordRequest({
    reporter: "destination",
    source: { workload: "productpage-v1", namespace: "default", app: "productpage", version: "v1" },
    destination: { workload: "reviews-v2", namespace: "default", app: "reviews", version: "v2", service: "reviews.default.svc.cluster.local", serviceName: "reviews", serviceNamespace: "default" },
    protocol: "http",
    responseCode: 200,
    responseFlags: "-",
    mutualTls: true,
    durationMs: 12,
    requestBytes: 0,
    responseBytes: 100,
    method: "GET",
    path: "/reviews/0",
  });
  const batch = recorder.takeBatch({ snapshotVersion: 7, snapshotGeneratedAt: new Date().toISOString(), snapshotAppliedAt: Date.now(), snapshotAgeMs: 300, stale: false });
  const reported = await cp.worker("reviews-v2", "/", { method: "POST", body: JSON.stringify(batch) });
  expect(reported.status, await reported.clone().text()).toBe(200);
}, 120_000);
afterAll(() => cp?.dispose());

/** The lines of one section of describe's output (from its title to the next blank line). */
function section(text: string, title: string): string[] {
  const start = text.split("\n").indexOf(`${title}:`);
  expect(start, `${title} in\n${text}`).toBeGreaterThanOrEqual(0);
  const rest = text.split("\n").slice(start + 1);
  return rest.slice(0, rest.findIndex((l) => l === "") === -1 ? rest.length : rest.findIndex((l) => l === ""));
}

describe("describe service", () => {
  it("shows the routes, destination rules, policies, endpoints and snapshots that apply to it", async () => {
    const run = await cli("describe", "service", "reviews");
    expect(run.code, run.stderr).toBe(0);
    const text = run.stdout;
    expect(text).toMatch(/^Name:\s+reviews\nNamespace:\s+default\nHost:\s+reviews\.default\.svc\.cluster\.local\nVersions:\s+v1, v2, v3\n/);

    expect(section(text, "Service entries")).toEqual([expect.stringMatching(/^  ServiceEntry default\/reviews\s+hosts reviews/)]);
    const endpoints = section(text, "Endpoints");
    expect(endpoints[0]).toMatch(/^\s+ADDRESS\s+LABELS\s+HEALTH\s+FROM$/);
    expect(endpoints.some((l) => /worker:\/\/reviews-v2\s+app=reviews,version=v2\s+healthy\s+registry /.test(l))).toBe(true);

    const routes = section(text, "Routes");
    expect(routes).toContain("  VirtualService default/reviews  (host and destination)");
    expect(routes).toContain("  VirtualService default/reviews-canary  (host and destination)");
    expect(routes).toContain("    to reviews:v1=90 reviews:v4=10");
    // The gateway's route sends to productpage only: it does not concern reviews.
    expect(routes.join("\n")).not.toContain("bookinfo");

    const rules = section(text, "Destination rules");
    expect(rules).toEqual(["  DestinationRule default/reviews", "    subset v1: version=v1", "    subset v2: version=v2", "    subset v3: version=v3"]);

    const policies = section(text, "Policies");
    expect(policies).toContain("  AuthorizationPolicy default/reviews-v2-viewers  ALLOW  (selector app=reviews,version=v2; versions v2 only)");
    expect(policies).toContain("  PeerAuthentication istio-system/default  mtls STRICT  (mesh-wide)");
    expect(policies.join("\n")).not.toMatch(/ratings-only|elsewhere/);

    const snapshots = section(text, "Snapshots");
    expect(snapshots[0]).toMatch(/^  control plane's newest: \d+$/);
    expect(snapshots[1]).toMatch(/^\s+ISOLATE\s+WORKLOAD\s+SNAPSHOT\s+AGE\s+STALE$/);
    expect(snapshots.slice(2)).toEqual([expect.stringMatching(/^\s+\S+\s+reviews-v2\s+7\s+\d+s\s+no$/)]);
  });

  it("says when nothing applies, and gives the facts as JSON", async () => {
    const run = await cli("describe", "svc", "ratings", "-n", "shop");
    expect(run.code, run.stderr).toBe(0);
    expect(section(run.stdout, "Routes")[0]).toMatch(/^  <none>: traffic goes to every endpoint/);
    expect(section(run.stdout, "Policies")).toEqual(["  PeerAuthentication istio-system/default  mtls STRICT  (mesh-wide)", "  PeerAuthentication shop/elsewhere  mtls PERMISSIVE  (namespace shop)"]);
    expect(section(run.stdout, "Snapshots")[1]).toMatch(/no isolate of ratings has reported/);

    const json = await cli("describe", "service", "reviews", "-o", "json");
    const facts = JSON.parse(json.stdout);
    expect(facts.versions).toEqual(["v1", "v2", "v3"]);
    expect(facts.snapshots.isolates).toEqual([expect.objectContaining({ workload: "reviews-v2", namespace: "default", snapshot: 7, stale: false })]);
    expect(facts.policies.map((p: any) => [p.resource.metadata.name, p.versions])).toEqual(
      expect.arrayContaining([["reviews-v2-viewers", ["v2"]], ["default", null]]),
    );
  });
});

describe("describe KIND NAME", () => {
  it("shows a resource, what it applies to, and the analyzer's findings about it", async () => {
    const run = await cli("describe", "virtualservice", "reviews-canary");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Name:\s+reviews-canary\nNamespace:\s+default\nKind:\s+VirtualService\n/);
    expect(section(run.stdout, "Applies to")).toEqual(["  serves hosts: reviews.default.svc.cluster.local", "  routes to: reviews.default.svc.cluster.local"]);
    expect(section(run.stdout, "Spec").join("\n")).toMatch(/^\s+subset: v4$/m);
    // v4 is no subset of the reviews DestinationRule.
    expect(section(run.stdout, "Findings").join("\n")).toMatch(/v4/);

    const gateway = await cli("describe", "gw", "bookinfo-gateway");
    expect(section(gateway.stdout, "Applies to")).toContain("  virtual services bound: default/bookinfo");
    const policy = await cli("describe", "ap", "reviews-v2-viewers");
    expect(section(policy.stdout, "Applies to")).toEqual(["  workloads: selector app=reviews,version=v2"]);
  });

  it("exits 2 for an unknown kind and 1 for a missing resource", async () => {
    const unknown = await cli("describe", "widget", "x");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown resource kind "widget"/);
    const missing = await cli("describe", "dr", "nothing-here");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nothing-here/);
  });
});
