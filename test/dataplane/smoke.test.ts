import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMesh, type TestMesh } from "../harness/data-plane.ts";
import { BASE_CONFIG, ECHOES } from "./mesh-config.ts";

let mesh: TestMesh;

beforeAll(async () => {
  mesh = await startTestMesh({ echoes: ECHOES, refreshMs: 200 });
  await mesh.apply(BASE_CONFIG);
  await mesh.apply(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: edge }
spec:
  hosts: ["*"]
  gateways: [test-gateway]
  http:
  - match: [{ uri: { prefix: /front } }]
    rewrite: { uri: / }
    route: [{ destination: { host: front } }]
  - match: [{ uri: { prefix: /back } }]
    rewrite: { uri: / }
    route: [{ destination: { host: back, subset: v2 } }]
`);
});

afterAll(() => mesh?.dispose());

describe("smoke", () => {
  it("routes through the gateway to a meshed service", async () => {
    const response = await mesh.gateway("/back/hello");
    const body = await response.text();
    expect(response.status, body).toBe(200);
    expect(JSON.parse(body).pod).toBe("back-v2");
    expect(response.headers.get("x-isthmus-snapshot")).toMatch(/^\d+$/);
  });
});
