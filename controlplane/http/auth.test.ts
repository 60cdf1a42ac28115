import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REVIEWS_SPLIT_YAML } from "../../test/fixtures/control-plane/bookinfo.ts";
import { startControlPlane, type ControlPlane } from "../../test/harness/control-plane.ts";
import type { ErrorAnswer } from "../../test/support/error-answer.ts";

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane();
});
afterAll(() => cp?.dispose());

async function mint(role: string, token?: string): Promise<Response> {
  return cp.request("/v1/tokens", { body: { name: `${role}-token`, role }, token });
}

async function minted(role: string): Promise<{ id: string; token: string }> {
  const response = await mint(role);
  expect(response.status).toBe(201);
  return response.json();
}

describe("authentication and roles", () => {
  it("answers 401 to anonymous callers and unknown tokens, in the error shape", async () => {
    for (const token of [null, "not-a-token"]) {
      const response = await cp.request("/v1/namespaces/default/virtualservices", { token });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: "unauthenticated", message: expect.any(String), details: [] } });
    }
    expect((await cp.request("/healthz", { token: null })).status).toBe(200);
  });

  it("lets a viewer read but not write, an editor write but not mint tokens", async () => {
    const viewer = await minted("viewer");
    const editor = await minted("editor");
    expect(viewer.token).toMatch(/^isth_/);

    expect((await cp.request("/v1/namespaces/default/virtualservices", { token: viewer.token })).status).toBe(200);
    const denied = await cp.request("/v1/apply", { body: REVIEWS_SPLIT_YAML, token: viewer.token });
    expect(denied.status).toBe(403);
    expect((await denied.json<ErrorAnswer>()).error.code).toBe("forbidden");
    expect((await cp.request("/v1/namespaces/default/virtualservices/reviews", { method: "DELETE", token: viewer.token })).status).toBe(403);

    expect((await cp.request("/v1/apply", { body: REVIEWS_SPLIT_YAML, token: editor.token })).status).toBe(200);
    expect((await mint("viewer", editor.token)).status).toBe(403);
    expect((await cp.request("/v1/tokens", { token: editor.token })).status).toBe(403);

    const revisions = await (await cp.request("/v1/revisions")).json<{ items: { actor: string }[] }>();
    expect(revisions.items[0].actor).toBe("token:editor-token");
  });

  it("lists tokens without their secrets and revokes them at once", async () => {
    const editor = await minted("editor");
    const list = await (await cp.request("/v1/tokens")).json<{ items: { id: string }[] }>();
    const entry = list.items.find((item) => item.id === editor.id);
    expect(entry).toMatchObject({ name: "editor-token", role: "editor", createdBy: "admin" });
    expect(JSON.stringify(list)).not.toContain(editor.token);

    expect((await cp.request(`/v1/tokens/${editor.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await cp.request("/v1/revisions", { token: editor.token })).status).toBe(401);
    expect((await cp.request(`/v1/tokens/${editor.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("gives a dataplane token the snapshot and the registry, not the resources", async () => {
    const response = await cp.request("/v1/tokens", { body: { name: "dp", role: "dataplane", namespace: "default", serviceAccount: "reviews" } });
    expect(response.status).toBe(201);
    const dataplane = await response.json<{ token: string }>();
    expect(dataplane).toMatchObject({ role: "dataplane", namespace: "default", serviceAccount: "reviews" });
    expect((await cp.request("/v1/snapshot", { token: dataplane.token })).status).toBe(200);
    expect((await cp.request("/v1/registry/endpoints", { token: dataplane.token })).status).toBe(200);
    expect((await cp.request("/v1/namespaces/default/virtualservices", { token: dataplane.token })).status).toBe(403);
  });

  it("refuses a token request with an unknown role, naming the field", async () => {
    const response = await cp.request("/v1/tokens", { body: { name: "x", role: "root" } });
    expect(response.status).toBe(400);
    expect((await response.json<ErrorAnswer>()).error.details[0].path).toBe("role");
  });
});

describe("request bodies", () => {
  it("answers 413 past 1 MiB, before parsing, whether or not Content-Length says so", async () => {
    const big = `# ${"x".repeat(1024 * 1024)}\n${REVIEWS_SPLIT_YAML}`;
    const response = await cp.request("/v1/apply", { body: big });
    expect(response.status).toBe(413);
    expect((await response.json<ErrorAnswer>()).error.code).toBe("too_large");

    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i += 1) controller.enqueue(new TextEncoder().encode("#".repeat(64 * 1024)));
        controller.close();
      },
    });
    const streamed = await cp.request("/v1/apply", { body: chunks, headers: { "content-type": "application/yaml" } });
    expect(streamed.status).toBe(413);
  });

  it("answers 415 for a content type that is neither YAML nor JSON", async () => {
    const response = await cp.request("/v1/apply", { body: REVIEWS_SPLIT_YAML, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(response.status).toBe(415);
    expect((await response.json<ErrorAnswer>()).error.code).toBe("unsupported_media_type");
    for (const type of ["application/x-yaml", "text/yaml", "text/plain; charset=utf-8"]) {
      expect((await cp.request("/v1/apply?dryRun=true", { body: REVIEWS_SPLIT_YAML, headers: { "content-type": type } })).status).toBe(200);
    }
  });

  it("answers unknown routes with 404 in the error shape", async () => {
    const response = await cp.request("/v2/nothing");
    expect(response.status).toBe(404);
    expect((await response.json<ErrorAnswer>()).error.code).toBe("not_found");
  });
});
