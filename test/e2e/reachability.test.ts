// Istio's everyday ingress pattern through `npm start`: a Gateway-bound VirtualService to a
// service other than productpage answers from it; a route to a worker:// endpoint the gateway
// holds no binding for is reported at apply (destination_unreachable), before any request
// fails; `isthmus bindings --write` adds the missing entry to a wrangler config, once.
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, repo, startMesh, stop, TOKEN } from "../support/dev-mesh.ts";

const run = promisify(execFile);
const get = (url: string, init: RequestInit = {}) => fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });

const edgeRoutes = (reviewsSubset: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: bookinfo }
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http:
  - match: [{ uri: { exact: /productpage } }, { uri: { prefix: /static } }, { uri: { prefix: /api/v1/products } }]
    route: [{ destination: { host: productpage, port: { number: 9080 } } }]
  - match: [{ uri: { prefix: /reviews/ } }]
    route: [{ destination: { host: reviews, subset: ${reviewsSubset} } }]
`;

const REVIEWS_V4 = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, labels: { app: reviews } }
spec:
  hosts: [reviews]
  location: MESH_INTERNAL
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints:
  - { address: "worker://reviews-v1", labels: { app: reviews, version: v1 }, serviceAccount: bookinfo-reviews }
  - { address: "worker://reviews-v2", labels: { app: reviews, version: v2 }, serviceAccount: bookinfo-reviews }
  - { address: "worker://reviews-v3", labels: { app: reviews, version: v3 }, serviceAccount: bookinfo-reviews }
  - { address: "worker://reviews-v4", labels: { app: reviews, version: v4 }, serviceAccount: bookinfo-reviews }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }, { name: v3, labels: { version: v3 } }, { name: v4, labels: { version: v4 } }]
`;

type Finding = { code: string; message: string; path: string; resource: { kind: string; name: string } };

describe("reachability through npm start", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });

  it("exposes reviews through the gateway, and reports a route to an endpoint the gateway cannot reach before it fails", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "isthmus-reach-"));
    cleanup.push(() => rm(stateDir, { recursive: true, force: true }));
    const mesh = await startMesh(stateDir);
    cleanup.push(() => stop(mesh));
    const api = (path: string, init: RequestInit = {}) => get(`${mesh.controlUrl}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers } });
    const apply = async (yaml: string) => {
      const response = await api("/v1/apply", { method: "POST", headers: { "content-type": "application/yaml" }, body: yaml });
      expect(response.status).toBe(200);
      return (await response.json()) as { findings: Finding[] };
    };
    await eventually(async () => ((await get(`${mesh.controlUrl}/readyz`)).status === 200 ? true : undefined), "/readyz");

    // The gateway binds every worker:// endpoint of the default config: reviews answers through it.
    const clean = await apply(edgeRoutes("v2"));
    expect(clean.findings.filter((f) => f.code === "destination_unreachable")).toEqual([]);
    const answer = await eventually(async () => {
      const response = await get(`${mesh.gatewayUrl}/reviews/0`);
      return response.status === 200 ? ((await response.json()) as { podname: string; reviews: unknown[] }) : undefined;
    }, "reviews through the gateway");
    expect(answer.podname).toBe("reviews-v2");
    expect(answer.reviews.length).toBeGreaterThan(0);

    // The gateway reported its bindings with its snapshot pulls (names only).
    const plans = (await (await api("/v1/bindings")).json()) as { workloads: { serviceAccount: string; gateway: boolean; bindings: { services: string[] } | null; missing: string[] }[] };
    const gateway = plans.workloads.find((w) => w.gateway)!;
    expect(gateway.bindings?.services).toEqual(expect.arrayContaining(["PRODUCTPAGE_V1", "REVIEWS_V1", "REVIEWS_V2", "REVIEWS_V3", "DETAILS_V1", "RATINGS_V1"]));
    expect(gateway.missing).toEqual([]);
    expect(plans.workloads.find((w) => w.serviceAccount === "bookinfo-productpage")?.bindings?.services).toContain("REVIEWS_V3");

    // A version no Worker of the gateway's is bound to: the apply says so, naming workload, endpoint and binding.
    const applied = await apply(`${REVIEWS_V4}---\n${edgeRoutes("v4")}`);
    const unreachable = applied.findings.filter((f) => f.code === "destination_unreachable");
    expect(unreachable).toEqual([
      expect.objectContaining({
        resource: expect.objectContaining({ kind: "VirtualService", name: "bookinfo" }),
        path: "spec.http[1].route[0].destination",
        message: expect.stringContaining("workload istio-system/istio-ingressgateway-service-account (the gateway) has no service binding REVIEWS_V4 for endpoint worker://reviews-v4"),
      }),
    ]);
    const analyzed = (await (await api("/v1/analyze")).json()) as { findings: Finding[]; reachability: { checkedWorkloads: string[] } };
    expect(analyzed.findings.filter((f) => f.code === "destination_unreachable")).toEqual(unreachable);
    expect(analyzed.reachability.checkedWorkloads).toContain("istio-system/istio-ingressgateway-service-account");
    const { stdout: report } = await run(process.execPath, ["bin/isthmus.js", "analyze", "--server", mesh.controlUrl, "--token", TOKEN], { cwd: repo, timeout: 30_000 });
    expect(report).toContain("Warning [destination_unreachable] (VirtualService default/bookinfo) spec.http[1].route[0].destination: workload istio-system/istio-ingressgateway-service-account");
    expect(report).toMatch(/Note: destination_unreachable judged for .*istio-system\/istio-ingressgateway-service-account/);
    // And it is what a request then meets.
    const failed = await eventually(async () => {
      const response = await get(`${mesh.gatewayUrl}/reviews/0`);
      return response.status === 503 ? response.text() : undefined;
    }, "503 from the unbound version");
    expect(failed).toContain("REVIEWS_V4");

    // Per workload, what its routes need, the missing one marked.
    const { stdout: overview } = await run(process.execPath, ["bin/isthmus.js", "bindings", "--server", mesh.controlUrl, "--token", TOKEN, "--service-name", "bookinfo-{name}"], { cwd: repo, timeout: 30_000 });
    expect(overview).toMatch(/# istio-system\/istio-ingressgateway-service-account \(the gateway\): 1 missing \(holds [A-Z_0-9, ]*REVIEWS_V3[A-Z_0-9, ]*; reported [0-9T:.-]+Z\)/);
    expect(overview).toContain('# missing\n[[services]]  # worker://reviews-v4, routed by VirtualService default/bookinfo spec.http[1].route[0].destination\nbinding = "REVIEWS_V4"\nservice = "bookinfo-reviews-v4"');
    expect(overview).toMatch(/# default\/bookinfo-productpage: 0 missing/);

    // `isthmus bindings` names the entry; --write adds it to a copy of the gateway's config, once.
    const config = join(stateDir, "wrangler.toml");
    await copyFile(join(repo, "workers/gateway/wrangler.toml"), config);
    const cli = (...args: string[]) => run(process.execPath, ["bin/isthmus.js", "bindings", "--config", config, "--server", mesh.controlUrl, "--token", TOKEN, ...args], { cwd: repo, timeout: 30_000 });
    const check: { code?: number; stdout: string } = await cli().catch((error: { code: number; stdout: string }) => error);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('binding = "REVIEWS_V4"\nservice = "bookinfo-reviews-v4"');
    const before = await readFile(config, "utf8");
    const written = await cli("--write");
    expect(written.stdout).toContain("added REVIEWS_V4 (bookinfo-reviews-v4)");
    const after = await readFile(config, "utf8");
    expect(after.replace('\n[[services]]\nbinding = "REVIEWS_V4"\nservice = "bookinfo-reviews-v4"\n', "")).toBe(before);
    expect((await cli("--write")).stdout).toContain("has every service binding its routes need");
    expect(await readFile(config, "utf8")).toBe(after);

    // The same for a JSONC config, named by its own prefix (shop-), its comments kept.
    const jsonc = join(stateDir, "wrangler.jsonc");
    await copyFile(join(repo, "cli/bindings/fixtures/gateway.jsonc"), jsonc);
    const original = await readFile(jsonc, "utf8");
    const jsoncCli = (...args: string[]) => run(process.execPath, ["bin/isthmus.js", "bindings", "--config", jsonc, "--server", mesh.controlUrl, "--token", TOKEN, ...args], { cwd: repo, timeout: 30_000 });
    const listed = await jsoncCli().catch((error: { code: number; stdout: string }) => error);
    expect(listed.stdout).toContain('binding = "REVIEWS_V4"\nservice = "shop-reviews-v4"');
    expect((await jsoncCli("--write")).stdout).toContain("added REVIEWS_V4 (shop-reviews-v4)");
    const edited = await readFile(jsonc, "utf8");
    expect(edited).toBe(original.replace(
      '{ "binding": "PRODUCTPAGE_V1", "service": "shop-productpage-v1" },\n',
      '{ "binding": "PRODUCTPAGE_V1", "service": "shop-productpage-v1" },\n    { "binding": "REVIEWS_V4", "service": "shop-reviews-v4" },\n',
    ));
    await jsoncCli("--write");
    expect(await readFile(jsonc, "utf8")).toBe(edited);
  });
});
