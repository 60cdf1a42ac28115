// What the README says a new user does: `npm start`, wait until ready, browse Bookinfo
// through the gateway, apply an example, stop, start again and find the config kept.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, repo, startMesh, stop, TOKEN } from "../support/dev-mesh.ts";

const run = promisify(execFile);

// Every request is bounded, so a hang fails the step that hung instead of the whole test.
const get = (url: string, init: RequestInit = {}) => fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
const page = async (gatewayUrl: string, user?: string) =>
  (await get(`${gatewayUrl}/productpage${user ? `?u=${user}` : ""}`)).text();
const reviewsPod = (html: string) => /Reviews served by: (\S+?)</.exec(html)?.[1];

describe("npm start (local mesh as a process)", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });

  it("serves Bookinfo, applies config, and keeps it across a restart", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "isthmus-e2e-"));
    cleanup.push(() => rm(stateDir, { recursive: true, force: true }));
    const api = (base: string, path: string, init: RequestInit = {}) =>
      get(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers } });

    const first = await startMesh(stateDir);
    cleanup.push(() => stop(first));
    await eventually(async () => ((await get(`${first.controlUrl}/readyz`)).status === 200 ? true : undefined), "/readyz");

    const html = await page(first.gatewayUrl);
    expect(html).toContain("The Comedy of Errors");
    expect(html).toContain("Details served by: details-v1");
    expect(reviewsPod(html)).toBe("reviews-v1");

    // Examples go in with the CLI, as the README tells a new user to.
    const apply = async (file: string) => {
      const args = ["bin/isthmus.js", "apply", "-f", join("examples", file), "--server", first.controlUrl, "--token", TOKEN];
      const { stdout } = await run(process.execPath, args, { cwd: repo, timeout: 30_000 });
      expect(stdout).toMatch(/configured|created|unchanged/);
    };

    // Header route: jason sees reviews v2, everyone else v1.
    await apply("reviews-jason-v2.yaml");
    await eventually(async () => (reviewsPod(await page(first.gatewayUrl, "jason")) === "reviews-v2" ? true : undefined), "jason on reviews-v2");
    expect(reviewsPod(await page(first.gatewayUrl, "alice"))).toBe("reviews-v1");

    // Fault: ratings aborts for jason, so his v2 reviews say ratings are unavailable.
    await apply("ratings-abort-jason.yaml");
    await eventually(async () => ((await page(first.gatewayUrl, "jason")).includes("Ratings service is currently unavailable") ? true : undefined), "abort for jason");

    // Fault: a 7 s ratings delay for jason outlasts productpage's two 3 s tries of reviews,
    // so jason's page gives up on reviews after about 6 s, as in Istio's fault-injection task.
    await apply("ratings-delay-jason.yaml");
    await eventually(async () => {
      const started = Date.now();
      const html = await page(first.gatewayUrl, "jason");
      const took = Date.now() - started;
      return html.includes("Sorry, product reviews are currently unavailable") && took >= 5_500 && took < 7_000 ? true : undefined;
    }, "reviews unavailable for jason after ~6 s", 40_000);

    // Canary: about 10 % of reviews answers come from v2.
    await apply("reviews-canary-90-10.yaml");
    await eventually(async () => {
      const pods: string[] = [];
      for (let i = 0; i < 60; i++) {
        const res = await get(`${first.gatewayUrl}/api/v1/products/0/reviews`);
        pods.push(((await res.json()) as { podname: string }).podname);
      }
      const v2 = pods.filter((pod) => pod === "reviews-v2").length;
      return v2 >= 3 && v2 <= 12 && v2 + pods.filter((pod) => pod === "reviews-v1").length === 60 ? true : undefined;
    }, "a 90/10 split between reviews v1 and v2");

    // Deny at the edge: the ratings API answers 403 from the gateway, the page still works.
    await apply("deny-ratings-api.yaml");
    const denied = await eventually(async () => {
      const res = await get(`${first.gatewayUrl}/api/v1/products/0/ratings`);
      await res.body?.cancel();
      return res.status === 403 ? res : undefined;
    }, "the deny policy");
    expect(denied.headers.get("x-isthmus-error")).toBe("authz_denied");
    expect((await get(`${first.gatewayUrl}/productpage`)).status).toBe(200);

    // Sticky canary: each user keeps one version while the split holds across users.
    await apply("reviews-sticky-canary.yaml");
    await eventually(async () => {
      const byUser = new Map<string, Set<string>>();
      for (const user of ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"]) {
        for (let i = 0; i < 4; i++) {
          const res = await get(`${first.gatewayUrl}/api/v1/products/0/reviews`, { headers: { "end-user": user } });
          const { podname } = (await res.json()) as { podname: string };
          byUser.set(user, (byUser.get(user) ?? new Set()).add(podname));
        }
      }
      const pods = [...byUser.values()];
      return pods.every((set) => set.size === 1 && !set.has("reviews-v2")) ? true : undefined;
    }, "every user pinned to one of reviews v1 / v3");

    // The user's routes replaced the defaults (and deny the ratings API): the mesh is still ready.
    const readyz = await get(`${first.controlUrl}/readyz`);
    expect(readyz.status, await readyz.text()).toBe(200);

    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain("Stopped.");
    expect(first.output()).toMatch(/- built /);

    const second = await startMesh(stateDir);
    cleanup.push(() => stop(second));
    expect(second.output()).toContain("configuration kept from the previous run");
    // Nothing changed since the first start: every Worker comes from the build cache.
    expect(second.output()).toMatch(/all \d+ Workers cached \(no source changed\)/);
    await eventually(async () => ((await get(`${second.controlUrl}/readyz`)).status === 200 ? true : undefined), "/readyz after restart");
    const stored = await api(second.controlUrl, "/v1/namespaces/default/virtualservices/reviews");
    expect(stored.status).toBe(200);
    const reviews = (await stored.json()) as { spec: { http: Array<{ route: Array<{ weight?: number }> }> } };
    expect(reviews.spec.http[0].route.map((r) => r.weight)).toEqual([80, 20]);
    const ratings = (await (await api(second.controlUrl, "/v1/namespaces/default/virtualservices/ratings")).json()) as { spec: unknown };
    expect(JSON.stringify(ratings.spec)).toContain('"fixedDelay":"7s"');
    expect(await page(second.gatewayUrl)).toContain("Details served by: details-v1");
    expect(await stop(second)).toBe(0);
  }, 240_000);
});
