import { afterAll, beforeAll, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../../test/harness/control-plane.ts";

let cp: ControlPlane;
let document: any;
beforeAll(async () => {
  cp = await startControlPlane();
  const response = await cp.request("/openapi.json", { token: null });
  expect(response.status).toBe(200);
  document = await response.json();
});
afterAll(() => cp?.dispose());

const SAMPLE: Record<string, string> = { namespace: "default", plural: "virtualservices", name: "reviews", revision: "1", id: "x" };

it("is an OpenAPI 3.1 document of the control API's routes", () => {
  expect(document.openapi).toBe("3.1.0");
  for (const path of ["/v1/apply", "/v1/namespaces/{namespace}/{plural}/{name}", "/v1/{plural}", "/v1/revisions/diff", "/v1/rollback", "/v1/snapshot", "/v1/tokens", "/v1/registry/endpoints", "/readyz", "/openapi.json"]) {
    expect(Object.keys(document.paths)).toContain(path);
  }
  expect(Object.keys(document.paths["/v1/namespaces/{namespace}/{plural}/{name}"]).sort()).toEqual(["delete", "get", "put"]);
  expect(document.paths["/v1/apply"].post.requestBody.content).toHaveProperty("application/yaml");
  expect(document.paths["/v1/apply"].post.responses["422"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
});

it("refers only to components it defines, generated from the zod schemas", () => {
  const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(([, id]) => id);
  expect(refs.length).toBeGreaterThan(10);
  for (const id of new Set(refs)) expect(document.components.schemas).toHaveProperty(id);
  const token = document.components.schemas.TokenRequestInput;
  expect(token.required).toEqual(["name", "role"]);
  expect(token.properties.role.enum).toEqual(["viewer", "editor", "admin", "dataplane"]);
  expect(JSON.stringify(document.components.schemas.Resource)).toContain("VirtualService");
});

it("documents only routes that are served", async () => {
  for (const [path, methods] of Object.entries<any>(document.paths)) {
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE[name] ?? "x");
    for (const method of Object.keys(methods)) {
      // The streaming tap would hold the connection; its route is checked by its owner.
      if (path === "/v1/tap") continue;
      const response = await cp.request(url, { method: method.toUpperCase() });
      const text = await response.text();
      expect(text, `${method} ${path}`).not.toContain("no route for");
    }
  }
});
