import { afterEach, expect, it } from "vitest";
import { REVIEWS_SPLIT_YAML } from "../../test/fixtures/control-plane/bookinfo.ts";
import { startControlPlane, type ControlPlane } from "../../test/harness/control-plane.ts";
import type { ErrorAnswer } from "../../test/support/error-answer.ts";

type ResourceList = { items: { metadata: { name: string } }[] };

const STUB = `export default { fetch: (request) => new URL(request.url).pathname === "/healthz" ? new Response("ok") : new Response("no", { status: 404 }) };`;
const THROWS = `export default { fetch: () => { throw new Error("broken Worker"); } };`;

let cp: ControlPlane | undefined;
afterEach(() => cp?.dispose());

function start(checks: string): Promise<ControlPlane> {
  return startControlPlane({
    vars: { ISTHMUS_READY_CHECKS: checks },
    serviceBindings: { GATEWAY: "gateway-stub", DETAILS: "gateway-stub", BROKEN: "broken-stub" },
    workers: [
      { name: "gateway-stub", modules: true, script: STUB, compatibilityDate: "2026-04-26" },
      { name: "broken-stub", modules: true, script: THROWS, compatibilityDate: "2026-04-26" },
    ],
  });
}

async function failing(control: ControlPlane): Promise<string[]> {
  const response = await control.request("/readyz", { token: null });
  if (response.status === 200) return [];
  expect(response.status).toBe(503);
  const body = await response.json<ErrorAnswer>();
  expect(body.error.code).toBe("not_ready");
  return body.error.details.map((detail: { path: string }) => detail.path);
}

it("is not ready until the CA is bootstrapped, the required resources exist and every probe answers", async () => {
  cp = await start("GATEWAY, resource:virtualservices/default/reviews, DETAILS/missing");
  expect(await failing(cp)).toEqual(["ca", "resource:virtualservices/default/reviews", "DETAILS/missing"]);
  expect((await cp.request("/v1/ca/bootstrap", { method: "POST" })).status).toBeLessThan(300);
  await cp.request("/v1/apply", { body: REVIEWS_SPLIT_YAML });
  expect(await failing(cp)).toEqual(["DETAILS/missing"]);
  expect((await cp.request("/healthz", { token: null })).status).toBe(200);
});

it("answers 200 listing every check once all pass", async () => {
  cp = await start("GATEWAY");
  await cp.request("/v1/ca/bootstrap", { method: "POST" });
  const response = await cp.request("/readyz", { token: null });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({
    ready: true,
    checks: [
      { name: "mesh-control", ready: true },
      { name: "ca", ready: true },
      { name: "GATEWAY", ready: true },
    ],
  });
});

// The local mesh's rule: bootstrap facts that later changes cannot undo, and Workers that answer.
it("counts any answer for answers: probes and stays configured once a configuration was applied", async () => {
  cp = await start("configured, answers:GATEWAY/no-such-path, answers:BROKEN, answers:MISSING");
  await cp.request("/v1/ca/bootstrap", { method: "POST" });
  expect(await failing(cp)).toEqual(["configured", "answers:BROKEN", "answers:MISSING"]);
  const body = await (await cp.request("/readyz", { token: null })).json<ErrorAnswer>();
  expect(body.error.details).toContainEqual({ path: "answers:MISSING", message: "no service binding MISSING" });

  const applied = await cp.request("/v1/apply", { body: REVIEWS_SPLIT_YAML });
  expect(applied.status).toBeLessThan(300);
  expect(await failing(cp)).toEqual(["answers:BROKEN", "answers:MISSING"]);
  // Deleting everything that was applied leaves the mesh configured once.
  const list = await (await cp.request("/v1/namespaces/default/virtualservices")).json<ResourceList>();
  for (const item of list.items) {
    const removed = await cp.request(`/v1/namespaces/default/virtualservices/${item.metadata.name}`, { method: "DELETE" });
    expect(removed.status).toBeLessThan(300);
  }
  expect((await (await cp.request("/v1/namespaces/default/virtualservices")).json<ResourceList>()).items).toEqual([]);
  expect(await failing(cp)).toEqual(["answers:BROKEN", "answers:MISSING"]);
});
