import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOOKINFO_YAML, REVIEWS_SPLIT_YAML } from "../../../test/fixtures/control-plane/bookinfo.ts";
import { startControlPlane, type ControlPlane } from "../../../test/harness/control-plane.ts";

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane();
});
afterAll(() => cp?.dispose());

async function json(path: string, init?: Parameters<ControlPlane["request"]>[1]): Promise<any> {
  return (await cp.request(path, init)).json();
}

const REVIEWS = "/v1/namespaces/default/virtualservices/reviews";

describe("revisions, diff and rollback", () => {
  let base: number;
  let split: number;
  let removed: number;

  beforeAll(async () => {
    base = (await json("/v1/apply", { body: BOOKINFO_YAML })).revision;
    split = (await json("/v1/apply", { body: REVIEWS_SPLIT_YAML })).revision;
    removed = (await json("/v1/namespaces/default/virtualservices/ratings", { method: "DELETE" })).revision;
  });

  it("keeps one revision per change, newest first, with actor and what changed", async () => {
    const { items } = await json("/v1/revisions");
    expect(items.map((r: any) => r.number)).toEqual([removed, split, base]);
    expect(items[0]).toMatchObject({ operation: "delete", actor: "admin", changes: [{ kind: "VirtualService", name: "ratings", action: "deleted" }] });
    expect(items[1].changes).toEqual([{ kind: "VirtualService", namespace: "default", name: "reviews", action: "configured" }]);
    expect(items[2].changes).toHaveLength(5);
    expect((await json("/v1/revisions?limit=1")).items.map((r: any) => r.number)).toEqual([removed]);
    expect((await json(`/v1/revisions?before=${split}`)).items.map((r: any) => r.number)).toEqual([base]);
  });

  it("shows one revision with content before and after", async () => {
    const revision = await json(`/v1/revisions/${split}`);
    expect(revision.changes[0].before.spec.http[0].route).toHaveLength(1);
    expect(revision.changes[0].after.spec.http[0].route).toHaveLength(2);
    expect(revision.changes[0].after.metadata.resourceVersion).toBeUndefined();
    expect((await cp.request("/v1/revisions/999")).status).toBe(404);
  });

  it("diffs two revisions resource by resource with JSON Patch", async () => {
    const diff = await json(`/v1/revisions/diff?from=${base}&to=${removed}`);
    expect(diff).toMatchObject({ from: base, to: removed });
    const reviews = diff.changes.find((c: any) => c.name === "reviews" && c.kind === "VirtualService");
    expect(reviews.action).toBe("changed");
    expect(reviews.patch).toContainEqual({ op: "replace", path: "/metadata/labels/version", value: "v2" });
    expect(reviews.patch).toContainEqual({ op: "add", path: "/spec/http/0/route/0/weight", value: 50 });
    expect(reviews.patch).toContainEqual({ op: "add", path: "/spec/http/0/route/1", value: { destination: { host: "reviews", subset: "v2" }, weight: 50 } });
    const ratings = diff.changes.find((c: any) => c.name === "ratings" && c.kind === "VirtualService");
    expect(ratings).toMatchObject({ action: "removed", before: { kind: "VirtualService" } });
    expect(diff.changes).toHaveLength(2);

    const fromStart = await json(`/v1/revisions/diff?from=0&to=${base}`);
    expect(fromStart.changes.every((c: any) => c.action === "added")).toBe(true);
    expect((await json("/v1/revisions/diff?from=0")).to).toBe(removed);
    expect((await cp.request("/v1/revisions/diff?from=77")).status).toBe(404);
    expect((await cp.request("/v1/revisions/diff")).status).toBe(400);
  });

  it("rolls back to a revision as a new revision, restoring changed and deleted resources", async () => {
    const before = await json(REVIEWS);
    const result = await json("/v1/rollback", { body: { revision: base } });
    expect(result.target).toBe(base);
    expect(result.revision).toBe(removed + 1);
    expect(result.changes).toEqual([
      { kind: "VirtualService", namespace: "default", name: "ratings", action: "created" },
      { kind: "VirtualService", namespace: "default", name: "reviews", action: "configured" },
    ]);
    const reviews = await json(REVIEWS);
    expect(reviews.spec.http[0].route).toEqual([{ destination: { host: "reviews", subset: "v1" } }]);
    expect(reviews.metadata.labels).toEqual({ app: "reviews", version: "v1" });
    expect(reviews.metadata.resourceVersion).toBe(String(result.revision));
    expect(reviews.metadata.generation).toBe(before.metadata.generation + 1);
    expect(reviews.metadata.uid).toBe(before.metadata.uid);
    expect((await cp.request("/v1/namespaces/default/virtualservices/ratings")).status).toBe(200);

    const latest = (await json("/v1/revisions?limit=1")).items[0];
    expect(latest).toMatchObject({ number: result.revision, operation: "rollback", message: `rollback to revision ${base}` });
    expect((await json(`/v1/revisions/diff?from=${base}&to=${result.revision}`)).changes).toEqual([]);
  });

  it("does nothing when already at the target, and refuses unknown revisions", async () => {
    const latest = (await json("/v1/revisions?limit=1")).items[0].number;
    expect(await json("/v1/rollback", { body: { revision: base } })).toMatchObject({ revision: null, changes: [] });
    expect((await json("/v1/revisions?limit=1")).items[0].number).toBe(latest);
    expect((await cp.request("/v1/rollback", { body: { revision: 500 } })).status).toBe(404);
    expect((await cp.request("/v1/rollback", { body: { revision: "one" } })).status).toBe(400);
  });
});

// Rows are written several per statement (within SQL's 100 bound parameters): 30 resources
// take four statements for the resources and three for the revision's changes.
describe("an apply of more resources than one statement writes", () => {
  const entries = (count: number, port: number) =>
    Array.from({ length: count }, (_, i) => ({
      apiVersion: "networking.istio.io/v1",
      kind: "ServiceEntry",
      metadata: { name: `batch-${String(i).padStart(2, "0")}`, namespace: "batch" },
      spec: { hosts: [`batch-${i}.example.com`], location: "MESH_EXTERNAL", resolution: "DNS", ports: [{ number: port, name: "http", protocol: "HTTP" }] },
    }));

  it("stores every resource and every change, each at the revision, generation moving with the spec", async () => {
    const created = await json("/v1/apply", { body: entries(30, 80) });
    const updated = await json("/v1/apply", { body: [...entries(29, 8080), ...entries(30, 80).slice(29)] });
    expect(created.resources.map((r: any) => r.action)).toEqual(Array(30).fill("created"));
    expect(updated.resources.map((r: any) => r.action)).toEqual([...Array(29).fill("configured"), "unchanged"]);

    const { items } = await json("/v1/namespaces/batch/serviceentries");
    expect(items.map((r: any) => r.metadata.name)).toEqual(entries(30, 80).map((r) => r.metadata.name));
    expect(items.map((r: any) => [r.spec.ports[0].number, r.metadata.resourceVersion, r.metadata.generation])).toEqual([
      ...Array(29).fill([8080, String(updated.revision), 2]),
      [80, String(created.revision), 1],
    ]);
    expect(new Set(items.map((r: any) => r.metadata.uid)).size).toBe(30);

    const revision = await json(`/v1/revisions/${updated.revision}`);
    expect(revision.changes).toHaveLength(29);
    expect(revision.changes.every((c: any) => c.before.spec.ports[0].number === 80 && c.after.spec.ports[0].number === 8080)).toBe(true);
    expect((await json(`/v1/revisions/${created.revision}`)).changes.map((c: any) => c.action)).toEqual(Array(30).fill("created"));
  });
});
