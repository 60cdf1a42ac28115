// The Rollouts view in a real browser (Debian's chromium through playwright-core) against the
// whole local mesh on workerd: a Rollout of reviews v1 -> v3 with manual gates, approved from
// the page while Bookinfo traffic flows; its verdict with the numbers, the canary-vs-stable
// chart, pause/resume, a refused action shown with its code, abort back to stable, and a
// viewer's disabled buttons. The screenshot goes to test-results/screenshots/ (docs/screenshots/
// with ISTHMUS_UPDATE_SCREENSHOTS=1).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchBrowser, type Browser } from "./e2e/browser.ts";
import { backgroundTraffic, reviewsVersions, startTestMesh, until, type TestMesh } from "./e2e/mesh.ts";

// Browser globals, used only inside `page.evaluate` (this program has no DOM library).
declare const sessionStorage: { getItem(key: string): string | null };

const SCREENSHOTS = fileURLToPath(
  new URL(process.env.ISTHMUS_UPDATE_SCREENSHOTS === "1" ? "../docs/screenshots/" : "../test-results/screenshots/", import.meta.url),
);

// Both steps wait for approval: the rollout moves only when the page says so, and the
// analysis of the 50 % step (Bookinfo's traffic, healthy on both versions) has to pass first.
const ROLLOUT = {
  apiVersion: "rollouts.isthmus.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "reviews", namespace: "default" },
  spec: {
    service: "reviews",
    stableSubset: "v1",
    canarySubset: "v3",
    virtualService: "reviews",
    steps: [
      { weight: 50, approval: true },
      { weight: 100, approval: true },
    ],
    analysis: { interval: "5s", minRequests: 5 },
  },
};

let mesh: TestMesh;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium`);
  [mesh, browser] = await Promise.all([startTestMesh(), launchBrowser()]);
  const applied = await mesh.api("/v1/apply", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ROLLOUT) });
  if (!applied.ok) throw new Error(`applying the Rollout: ${applied.status} ${await applied.text()}`);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await mesh?.dispose();
});

async function signIn(token: string, hash: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${mesh.controlUrl}/ui/${hash}`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("role").waitFor();
  return page;
}

async function reviewsWeights(): Promise<Record<string, number>> {
  const vs = await (await mesh.api("/v1/namespaces/default/virtualservices/reviews")).json<{ spec: { http: { route: { destination: { subset: string }; weight?: number }[] }[] } }>();
  return Object.fromEntries(vs.spec.http[0].route.map((d: { destination: { subset: string }; weight?: number }) => [d.destination.subset, d.weight ?? 100]));
}

describe("the Rollouts view", () => {
  it("approves, shows the verdict and the canary-vs-stable chart, pauses, refuses with the code, aborts", async () => {
    const traffic = backgroundTraffic(mesh.gatewayUrl, 20);
    try {
      const page = await signIn(mesh.tokens.editor, "#/rollouts");
      await page.getByRole("link", { name: "default/reviews" }).click();
      await page.getByRole("heading", { name: "Rollout reviews.default" }).waitFor();
      const phase = page.getByTestId("rollout-phase");
      await until(async () => (await phase.textContent()) === "WaitingApproval", 20_000, "the first approval gate");
      await expect(page.getByTestId("rollout-weight").textContent()).resolves.toBe("0%");
      await expect(page.locator('.rollout-steps tr[data-step="1"]').getAttribute("data-state")).resolves.toBe("awaiting approval");

      await page.getByRole("button", { name: "Approve" }).click();
      await expect(page.getByRole("status").textContent()).resolves.toContain("approve: now Progressing, canary at 50%");
      await until(async () => (await page.getByTestId("rollout-weight").textContent()) === "50%", 10_000, "the page to show 50%");
      // The gateway follows the weight the controller wrote.
      await until(async () => (await reviewsVersions(mesh.gatewayUrl, 20)).has("reviews-v3"), 20_000, "reviews-v3 to get traffic");

      // The 50 % step's analysis passes on healthy traffic; the rollout then waits at the 100 % gate.
      await until(async () => (await phase.textContent()) === "WaitingApproval", 60_000, "a passed analysis and the second gate");
      const step1 = page.locator('.rollout-steps tr[data-step="1"]');
      await expect(step1.getAttribute("data-state")).resolves.toBe("current");
      await expect(page.locator('.rollout-steps tr[data-step="2"]').getAttribute("data-state")).resolves.toBe("awaiting approval");
      await expect(step1.locator(".verdict").textContent()).resolves.toBe("pass");
      const canaryCell = await step1.locator("td").nth(4).textContent();
      const requests = Number(/^(\d+) req, 0 err, 100(\.0)?% ok/.exec(canaryCell ?? "")?.[1]);
      expect(requests, canaryCell ?? "").toBeGreaterThanOrEqual(5);

      // The chart of canary against stable from /series.
      const chart = page.getByTestId("rollout-charts").locator("svg").first();
      await until(async () => Number(await chart.getAttribute("data-points")) >= 1, 30_000, "series points");
      await expect(chart.getAttribute("aria-label")).resolves.toMatch(/^Success rate: latest canary [\d.]+%, stable [\d.]+%$/);
      await page.screenshot({ path: `${SCREENSHOTS}rollout.png`, fullPage: true });

      await page.getByRole("button", { name: "Pause" }).click();
      await until(async () => (await phase.textContent()) === "Paused", 10_000, "Paused");
      await page.getByRole("button", { name: "Resume" }).click();
      await until(async () => (await phase.textContent()) === "WaitingApproval", 10_000, "back at the gate");
      await page.getByRole("button", { name: "Resume" }).click();
      await expect(page.getByRole("alert").textContent()).resolves.toMatch(/^resume refused: 409 rollout_invalid_transition: /);

      await page.getByRole("button", { name: "Abort" }).click();
      await until(async () => (await phase.textContent()) === "Aborted", 10_000, "Aborted");
      await expect(page.getByTestId("rollout-weight").textContent()).resolves.toBe("0%");
      await until(async () => (await reviewsWeights()).v3 === 0, 10_000, "the VirtualService back on stable");
      await expect(page.locator('.rollout-history tr[data-event="abort"]').count()).resolves.toBe(1);
      await page.close();
    } finally {
      await traffic.stop();
    }
  }, 180_000);

  it("lets a viewer look but not act", async () => {
    const page = await signIn(mesh.tokens.viewer, "#/rollouts/default/reviews");
    await page.getByTestId("rollout-phase").waitFor();
    await page.getByTestId("read-only").waitFor();
    for (const name of ["Approve", "Pause", "Resume", "Promote", "Abort", "Retry"]) {
      await expect(page.getByRole("button", { name }).isDisabled(), name).resolves.toBe(true);
    }
    const status = await page.evaluate(async () => {
      const token = sessionStorage.getItem("isthmus.token")!;
      return (await fetch("/v1/namespaces/default/rollouts/reviews:retry", { method: "POST", headers: { authorization: `Bearer ${token}` } })).status;
    });
    expect(status).toBe(403);
    await page.close();
  }, 60_000);
});
