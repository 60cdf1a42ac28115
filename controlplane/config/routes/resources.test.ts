import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOOKINFO_YAML, REVIEWS_SPLIT_YAML } from "../../../test/fixtures/control-plane/bookinfo.ts";
import { startControlPlane, type ControlPlane } from "../../../test/harness/control-plane.ts";
import type { ErrorAnswer } from "../../../test/support/error-answer.ts";

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane();
});
afterAll(() => cp?.dispose());

/** What the apply and resource-write routes answer, as these tests read it. */
interface ApplyAnswer {
  dryRun: boolean;
  revision: number | null;
  resources: { kind: string; namespace: string; name: string; action: string; resourceVersion: string }[];
}

async function json(response: Response | Promise<Response>): Promise<any> {
  return (await response).json();
}

async function revisionCount(): Promise<number> {
  return (await json(cp.request("/v1/revisions"))).items.length;
}

async function names(path: string): Promise<string[]> {
  const body = await json(cp.request(path));
  return body.items.map((item: any) => `${item.kind}/${item.metadata.namespace}/${item.metadata.name}`);
}

describe("apply", () => {
  it("applies a multi-document Bookinfo file in one revision, then reports it unchanged", async () => {
    const first = await cp.request("/v1/apply", { body: BOOKINFO_YAML });
    expect(first.status).toBe(200);
    const applied = await first.json<ApplyAnswer>();
    expect(applied.dryRun).toBe(false);
    expect(applied.revision).toBeTypeOf("number");
    expect(applied.resources.map((r: any) => [r.kind, r.name, r.action])).toEqual([
      ["ServiceEntry", "reviews", "created"],
      ["ServiceEntry", "ratings", "created"],
      ["DestinationRule", "reviews", "created"],
      ["VirtualService", "reviews", "created"],
      ["VirtualService", "ratings", "created"],
    ]);
    expect(new Set(applied.resources.map((r: any) => r.resourceVersion))).toEqual(new Set([String(applied.revision)]));

    const revisions = await revisionCount();
    const again = await json(cp.request("/v1/apply", { body: BOOKINFO_YAML }));
    expect(again.revision).toBeNull();
    expect(again.resources.every((r: any) => r.action === "unchanged")).toBe(true);
    expect(await revisionCount()).toBe(revisions);
  });

  it("stores resources with server metadata and lists them by namespace, kind and label selector", async () => {
    const vs = await json(cp.request("/v1/namespaces/default/virtualservices/reviews"));
    expect(vs.metadata).toMatchObject({ name: "reviews", namespace: "default", generation: 1, labels: { app: "reviews", version: "v1" } });
    expect(vs.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(vs.metadata.uid).toBeTypeOf("string");
    expect(vs.spec.http[0].route[0].destination).toEqual({ host: "reviews", subset: "v1" });

    expect(await names("/v1/namespaces/default/virtualservices")).toEqual(["VirtualService/default/ratings", "VirtualService/default/reviews"]);
    expect(await names("/v1/namespaces/default/virtualservices?labelSelector=app%3Dreviews")).toEqual(["VirtualService/default/reviews"]);
    expect(await names(`/v1/namespaces/default/virtualservices?labelSelector=${encodeURIComponent("version in (v1,v2)")}`)).toEqual([
      "VirtualService/default/reviews",
    ]);
    expect(await names(`/v1/namespaces/default/virtualservices?labelSelector=${encodeURIComponent("!version")}`)).toEqual([
      "VirtualService/default/ratings",
    ]);
    expect(await names("/v1/namespaces/other/virtualservices")).toEqual([]);
  });

  it("lists a kind across namespaces", async () => {
    const yaml = REVIEWS_SPLIT_YAML.replace("name: reviews\n", "name: reviews\n  namespace: staging\n");
    expect((await cp.request("/v1/apply", { body: yaml })).status).toBe(200);
    expect(await names("/v1/virtualservices?labelSelector=app%3Dreviews")).toEqual([
      "VirtualService/default/reviews",
      "VirtualService/staging/reviews",
    ]);
    const bad = await cp.request("/v1/virtualservices?labelSelector=version%20in%20(v1");
    expect(bad.status).toBe(400);
    expect((await bad.json<ErrorAnswer>()).error.details[0].path).toBe("labelSelector");
  });

  it("takes JSON too, and ?namespace= for documents that name none", async () => {
    const document = {
      apiVersion: "networking.istio.io/v1",
      kind: "DestinationRule",
      metadata: { name: "ratings" },
      spec: { host: "ratings", subsets: [{ name: "v1", labels: { version: "v1" } }] },
    };
    const response = await cp.request("/v1/apply?namespace=shop", { body: { kind: "List", items: [document] } });
    expect(response.status).toBe(200);
    expect((await response.json<ApplyAnswer>()).resources[0]).toMatchObject({ namespace: "shop", name: "ratings", action: "created" });
  });

  it("changes nothing on a dry run", async () => {
    const revisions = await revisionCount();
    const response = await json(cp.request("/v1/apply?dryRun=true", { body: REVIEWS_SPLIT_YAML.replace("name: reviews", "name: reviews-dry") }));
    expect(response).toMatchObject({ dryRun: true, revision: null, resources: [{ name: "reviews-dry", action: "created", resourceVersion: null }] });
    expect((await cp.request("/v1/namespaces/default/virtualservices/reviews-dry")).status).toBe(404);
    const update = await json(cp.request("/v1/apply?dryRun=true", { body: REVIEWS_SPLIT_YAML }));
    expect(update.resources[0].action).toBe("configured");
    expect((await json(cp.request("/v1/namespaces/default/virtualservices/reviews"))).spec.http[0].route).toHaveLength(1);
    expect(await revisionCount()).toBe(revisions);
  });

  it("reports analyzer findings with the apply and at /v1/analyze", async () => {
    const yaml = REVIEWS_SPLIT_YAML.replace("name: reviews\n", "name: reviews-v3\n").replace("subset: v2", "subset: v3");
    const response = await json(cp.request("/v1/apply?dryRun=true", { body: yaml }));
    expect(response.findings.length).toBeGreaterThan(0);
    expect(response.findings.some((f: any) => f.resource.name === "reviews-v3" && /v3/.test(f.message))).toBe(true);
    const stored = await json(cp.request("/v1/analyze"));
    expect(Array.isArray(stored.findings)).toBe(true);
  });
});

describe("validation", () => {
  it("refuses a file with an invalid document, naming the document and field, and stores nothing", async () => {
    const before = await revisionCount();
    const bad = REVIEWS_SPLIT_YAML.replace("name: reviews\n", "name: reviews-bad\n").replace("weight: 50\n    - destination", "weight: 150\n    - destination");
    const response = await cp.request("/v1/apply", { body: `${BOOKINFO_YAML.replaceAll("name: reviews", "name: reviews-new")}---\n${bad}` });
    expect(response.status).toBe(422);
    const body = await response.json<ErrorAnswer>();
    expect(body.error.code).toBe("invalid_resource");
    expect(body.error.details.map((d: any) => d.path)).toContain("documents[5].spec.http[0].route[0].weight");
    expect((await cp.request("/v1/namespaces/default/virtualservices/reviews-new")).status).toBe(404);
    expect(await revisionCount()).toBe(before);
  });

  it("refuses unknown fields and kinds by name", async () => {
    const unknownField = await json(cp.request("/v1/apply", { body: REVIEWS_SPLIT_YAML.replace("  hosts:", "  colour: blue\n  hosts:") }));
    expect(unknownField.error.details).toContainEqual({ path: "documents[0].spec.colour", message: expect.stringContaining("colour") });
    const unknownKind = await cp.request("/v1/apply", { body: "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: x\nspec: {}\n" });
    expect(unknownKind.status).toBe(422);
    expect((await unknownKind.json<ErrorAnswer>()).error.details[0].path).toBe("documents[0].kind");
  });

  it("answers 400 for text that is not YAML and for an empty body", async () => {
    const response = await cp.request("/v1/apply", { body: "kind: [unclosed\n" });
    expect(response.status).toBe(400);
    expect((await response.json<ErrorAnswer>()).error.code).toBe("malformed");
    expect((await cp.request("/v1/apply", { body: "" })).status).toBe(400);
  });

  it("refuses the same resource twice in one file", async () => {
    const response = await cp.request("/v1/apply", { body: `${REVIEWS_SPLIT_YAML}---\n${REVIEWS_SPLIT_YAML}` });
    expect(response.status).toBe(422);
    expect((await response.json<ErrorAnswer>()).error.details[0].path).toBe("documents[1].metadata.name");
  });
});

describe("one resource at its path", () => {
  const path = "/v1/namespaces/default/destinationrules/details";
  const body = (host: string) => `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: details\nspec:\n  host: ${host}\n`;

  it("creates with PUT (201), updates (200, generation moves) and deletes", async () => {
    const created = await cp.request(path, { method: "PUT", body: body("details") });
    expect(created.status).toBe(201);
    const updated = await cp.request(path, { method: "PUT", body: body("details.default.svc.cluster.local") });
    expect(updated.status).toBe(200);
    expect((await updated.json<ApplyAnswer>()).resources[0].action).toBe("configured");
    expect((await json(cp.request(path))).metadata.generation).toBe(2);

    const deleted = await cp.request(path, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect((await deleted.json<{ resource: { metadata: { name: string } } }>()).resource.metadata.name).toBe("details");
    const gone = await cp.request(path);
    expect(gone.status).toBe(404);
    expect((await gone.json<ErrorAnswer>()).error.code).toBe("not_found");
    expect((await cp.request(path, { method: "DELETE" })).status).toBe(404);
  });

  it("refuses a body whose kind or name does not match the path", async () => {
    const wrongKind = await cp.request("/v1/namespaces/default/virtualservices/details", { method: "PUT", body: body("details") });
    expect(wrongKind.status).toBe(422);
    expect((await wrongKind.json<ErrorAnswer>()).error.details[0].path).toBe("kind");
    const wrongName = await cp.request("/v1/namespaces/default/destinationrules/other", { method: "PUT", body: body("details") });
    expect(wrongName.status).toBe(422);
    expect((await wrongName.json<ErrorAnswer>()).error.details[0].path).toBe("metadata.name");
  });

  it("answers 404 for an unknown resource type", async () => {
    expect((await cp.request("/v1/namespaces/default/sidecars/x")).status).toBe(404);
    expect((await cp.request("/v1/sidecars")).status).toBe(404);
  });
});

describe("optimistic concurrency", () => {
  const path = "/v1/namespaces/default/virtualservices/ratings";

  it("answers 409 when metadata.resourceVersion is stale, and applies at the current one", async () => {
    const current = await json(cp.request(path));
    const version = current.metadata.resourceVersion;
    const edit = (rv: string, host: string) =>
      JSON.stringify({ ...current, metadata: { name: "ratings", resourceVersion: rv }, spec: { ...current.spec, hosts: [host] } });
    const first = await cp.request(path, { method: "PUT", body: edit(version, "ratings.default"), headers: { "content-type": "application/json" } });
    expect(first.status).toBe(200);
    const stale = await cp.request(path, { method: "PUT", body: edit(version, "ratings.default.svc"), headers: { "content-type": "application/json" } });
    expect(stale.status).toBe(409);
    const error = (await stale.json<ErrorAnswer>()).error;
    expect(error.code).toBe("conflict");
    expect(error.details[0].path).toBe("metadata.resourceVersion");
    expect((await json(cp.request(path))).spec.hosts).toEqual(["ratings.default"]);

    const staleDelete = await cp.request(`${path}?resourceVersion=${version}`, { method: "DELETE" });
    expect(staleDelete.status).toBe(409);
    const applyStale = await cp.request("/v1/apply", { body: REVIEWS_SPLIT_YAML.replace("  labels:", '  resourceVersion: "0"\n  labels:') });
    expect(applyStale.status).toBe(409);
    expect((await applyStale.json<ErrorAnswer>()).error.details[0].path).toBe("documents[0].metadata.resourceVersion");
  });
});
