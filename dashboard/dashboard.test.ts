// The dashboard in a real browser (Debian's chromium through playwright-core) against the
// whole local mesh on workerd: sign in, the live service graph, a canary shift that the
// gateway's traffic follows, a refused concurrent change, rollback, the viewer's limits.
// Screenshots of the graph and the split panel go to test-results/screenshots/ on every
// run, and to docs/screenshots/ (the README's copies) with ISTHMUS_UPDATE_SCREENSHOTS=1.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchBrowser, type Browser } from "./e2e/browser.ts";
import { backgroundTraffic, reviewsVersions, startTestMesh, until, type TestMesh } from "./e2e/mesh.ts";

// Browser globals, used only inside `page.evaluate` (this program has no DOM library).
declare const sessionStorage: { getItem(key: string): string | null };
declare function scrollTo(x: number, y: number): void;

/** The reviews VirtualService as these tests read and write it. */
type ReviewsVirtualService = { metadata: { resourceVersion: string }; spec: { http: { route: WeightedDestination[] }[] } };
type WeightedDestination = { destination: { host: string; subset?: string }; weight?: number };

const SCREENSHOTS = fileURLToPath(
  new URL(process.env.ISTHMUS_UPDATE_SCREENSHOTS === "1" ? "../docs/screenshots/" : "../test-results/screenshots/", import.meta.url),
);

let mesh: TestMesh;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium`);
  [mesh, browser] = await Promise.all([startTestMesh(), launchBrowser()]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await mesh?.dispose();
});

async function signIn(token: string, hash = ""): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${mesh.controlUrl}/ui/${hash}`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("role").waitFor();
  return page;
}

async function putReviews(route: WeightedDestination[]): Promise<void> {
  const vs = await (await mesh.api("/v1/namespaces/default/virtualservices/reviews")).json<ReviewsVirtualService>();
  vs.spec.http[0].route = route;
  const response = await mesh.api("/v1/namespaces/default/virtualservices/reviews", {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(vs),
  });
  if (response.status !== 200) throw new Error(`PUT reviews: ${response.status} ${await response.text()}`);
}

async function latestRevision(): Promise<number> {
  const body = (await (await mesh.api("/v1/revisions?limit=1")).json()) as { items: { number: number }[] };
  return body.items[0]!.number;
}

describe("the /ui routes", () => {
  it("serve the page with a strict CSP and versioned, cacheable assets", async () => {
    const page = await fetch(`${mesh.controlUrl}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    const script = /src="(\/ui\/app\.js\?v=[0-9a-f]+)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${mesh.controlUrl}${script}`);
    expect(js.headers.get("content-type")).toContain("text/javascript");
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${mesh.controlUrl}/ui`, { redirect: "manual" })).status).toBe(308);
  });

  it("tell a token's role, and refuse a missing token", async () => {
    expect((await fetch(`${mesh.controlUrl}/ui/session`)).status).toBe(401);
    const session = await mesh.api("/ui/session", { token: mesh.tokens.viewer });
    expect(await session.json()).toEqual({ name: "ui-viewer", role: "viewer" });
  });
});

describe("the dashboard in a browser", () => {
  it("refuses an unknown token and shows the role of a good one", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${mesh.controlUrl}/ui/`);
    await page.getByLabel("API token").fill("not-a-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("does not accept");
    await page.getByLabel("API token").fill(mesh.tokens.editor);
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("role").textContent()).resolves.toBe("editor");
    // The token survives a reload (sessionStorage), not a sign-out.
    await page.reload();
    await expect(page.getByTestId("role").textContent()).resolves.toBe("editor");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API token").waitFor();
    await page.close();
  }, 60_000);

  it("draws the demo's service graph with live numbers", async () => {
    // Half of reviews to v3 (which calls ratings) for a graph with versions side by side.
    const before = await latestRevision();
    await putReviews([
      { destination: { host: "reviews", subset: "v1" }, weight: 50 },
      { destination: { host: "reviews", subset: "v3" }, weight: 50 },
    ]);
    const traffic = backgroundTraffic(mesh.gatewayUrl);
    try {
      const page = await signIn(mesh.tokens.editor, "#/graph");
      // Isolates flush telemetry every 5 s: wait for the ingress and reviews edges.
      const ingress = page.locator('svg [data-edge="istio-ingressgateway.istio-system>productpage.default/v1"]');
      await ingress.waitFor({ timeout: 45_000 });
      await page.locator('svg [data-edge="productpage.default>reviews.default/v1"]').waitFor({ timeout: 30_000 });
      await page.locator('svg [data-edge="productpage.default>reviews.default/v3"]').waitFor({ timeout: 30_000 });
      // reviews-v3 calls ratings: the edge leaves v3's box inside the reviews node.
      await page.locator('svg [data-edge="reviews.default>ratings.default/v1"]').waitFor({ timeout: 30_000 });
      const label = await ingress.locator("text").textContent();
      expect(label).toMatch(/^\d+(\.\d+)? rps · 100% · p99 [\d.]+ ms$/);
      expect(label).not.toMatch(/^0\.00 rps/);
      await expect(page.locator('svg a[aria-label^="Service reviews"]').count()).resolves.toBe(1);
      // The numbers refresh on their own.
      const before = await page.locator(".updated").textContent();
      await until(async () => (await page.locator(".updated").textContent()) !== before, 15_000, "a live refresh");
      await page.screenshot({ path: `${SCREENSHOTS}service-graph.png` });
      // Keyboard: a service node is a link; Enter opens the service's page.
      await page.locator('svg a[aria-label^="Service reviews"]').focus();
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "reviews.default" }).waitFor();
      await page.close();
    } finally {
      await traffic.stop();
      await mesh.api("/v1/rollback", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ revision: before }) });
    }
  }, 120_000);

  it("shifts a canary weight; the gateway's traffic follows; a concurrent change is refused; rollback restores", async () => {
    const beforeCanary = await latestRevision();
    const page = await signIn(mesh.tokens.editor, "#/split/default/reviews");
    await page.getByLabel("Add destination").selectOption({ label: "reviews v2" });
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByLabel("Weight of reviews v1 in percent").fill("20");
    await page.getByLabel("Weight of reviews v1 in percent").press("Tab");
    await expect(page.getByLabel("Weight of reviews v2 in percent").inputValue()).resolves.toBe("80");
    const diff = await page.locator(".diff pre").textContent();
    expect(diff).toMatch(/^\+ +subset: v2$/m);
    expect(diff).toMatch(/^\+ +weight: 80$/m);
    expect(diff).toMatch(/^\+ +weight: 20$/m);
    await page.screenshot({ path: `${SCREENSHOTS}traffic-split.png` });

    await page.getByRole("button", { name: "Apply split" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain(`Applied as revision ${beforeCanary + 1}`);

    // The gateway follows once its isolates revalidate (refresh 500 ms): then ~80 % v2.
    await until(async () => (await reviewsVersions(mesh.gatewayUrl, 5)).has("reviews-v2"), 20_000, "reviews-v2 to get traffic");
    const split = await reviewsVersions(mesh.gatewayUrl, 200);
    expect([...split.keys()].sort()).toEqual(["reviews-v1", "reviews-v2"]);
    const share = split.get("reviews-v2")! / 200;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.9);

    // Someone else changes the route after the page loaded it: the page's write is refused.
    await putReviews([
      { destination: { host: "reviews", subset: "v1" }, weight: 30 },
      { destination: { host: "reviews", subset: "v2" }, weight: 70 },
    ]);
    await page.getByLabel("Weight of reviews v1 in percent").fill("50");
    await page.getByLabel("Weight of reviews v1 in percent").press("Tab");
    await page.getByRole("button", { name: "Apply split" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("409 conflict");
    const stored = await (await mesh.api("/v1/namespaces/default/virtualservices/reviews")).json<ReviewsVirtualService>();
    expect(stored.spec.http[0].route.map((d) => d.weight)).toEqual([30, 70]);
    await page.getByRole("button", { name: "Reload the current version" }).click();
    await page.getByTestId("resource-version").filter({ hasText: String(stored.metadata.resourceVersion) }).waitFor();
    await expect(page.getByLabel("Weight of reviews v1 in percent").inputValue()).resolves.toBe("30");

    // History: one click restores the state before the canary.
    await page.getByRole("link", { name: "History" }).click();
    await page.getByRole("button", { name: `Roll back to #${beforeCanary}`, exact: true }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain(`Rolled back to revision ${beforeCanary}`);
    const restored = await (await mesh.api("/v1/namespaces/default/virtualservices/reviews")).json<ReviewsVirtualService>();
    expect(restored.spec.http[0].route).toEqual([{ destination: { host: "reviews", subset: "v1" } }]);
    await until(async () => {
      const seen = await reviewsVersions(mesh.gatewayUrl, 20);
      return seen.size === 1 && seen.has("reviews-v1");
    }, 20_000, "the traffic to return to reviews-v1 only");
    await page.close();
  }, 150_000);

  it("lets a viewer look but not change weights; the API refuses a forced change", async () => {
    const page = await signIn(mesh.tokens.viewer, "#/split/default/reviews");
    await expect(page.getByTestId("role").textContent()).resolves.toBe("viewer");
    await page.getByTestId("read-only").waitFor();
    await expect(page.getByLabel("reviews v1", { exact: true }).isDisabled()).resolves.toBe(true);
    await expect(page.getByLabel("Weight of reviews v1 in percent").isDisabled()).resolves.toBe(true);
    await expect(page.getByRole("button", { name: "Apply split" }).isDisabled()).resolves.toBe(true);

    // Forcing the change from the page with the viewer's token: 403.
    const status = await page.evaluate(async () => {
      const token = sessionStorage.getItem("isthmus.token")!;
      const get = await fetch("/v1/namespaces/default/virtualservices/reviews", { headers: { authorization: `Bearer ${token}` } });
      const vs = await get.json<ReviewsVirtualService>();
      vs.spec.http[0].route = [{ destination: { host: "reviews", subset: "v3" } }];
      const put = await fetch("/v1/namespaces/default/virtualservices/reviews", {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(vs),
      });
      return put.status;
    });
    expect(status).toBe(403);

    await page.getByRole("link", { name: "History" }).click();
    const rollbacks = page.getByRole("button", { name: /^Roll back to #/ });
    await rollbacks.first().waitFor();
    for (const button of await rollbacks.all()) expect(await button.isDisabled()).toBe(true);
    await page.close();
  }, 60_000);

  it("shows the CA, identities and a live tap of a service", async () => {
    const page = await signIn(mesh.tokens.viewer, "#/security");
    await expect(page.getByTestId("trust-domain").textContent()).resolves.toBe("cluster.local");
    const countdown = page.getByTestId("expiry-countdown").first();
    await expect(countdown.textContent()).resolves.toMatch(/^\d+d \d\dh \d\dm \d\ds$/);
    await expect(page.getByText("spiffe://cluster.local/ns/default/sa/bookinfo-reviews").count()).resolves.toBe(1);

    const traffic = backgroundTraffic(mesh.gatewayUrl, 200);
    try {
      await page.goto(`${mesh.controlUrl}/ui/#/services/default/reviews`);
      await page.getByRole("heading", { name: "Routes and weights" }).waitFor();
      await page.getByRole("button", { name: "Start tap of reviews" }).click();
      await page.locator(".tap-events tbody tr").first().waitFor({ timeout: 30_000 });
      await expect(page.locator(".tap-events tbody tr").first().textContent()).resolves.toContain("GET /reviews/0");
      await page.getByRole("button", { name: "Stop tap" }).click();
      // Charts keep a history in the page: let it gather a few points.
      await until(async () => Number(await page.locator(".chart svg").first().getAttribute("data-points")) >= 4, 30_000, "chart points");
      await page.evaluate(() => scrollTo(0, 0));
      await page.screenshot({ path: `${SCREENSHOTS}service-reviews.png`, fullPage: false });
    } finally {
      await traffic.stop();
    }
    await page.close();
  }, 90_000);
});
