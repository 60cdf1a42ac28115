import { describe, expect, it } from "vitest";
import { lineOf, parseSource, pathSegments, splitDocumentPath } from "./documents.js";

const TWO_DOCS = `# a comment
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
      weight: 90
    - destination:
        host: reviews
        subset: v2
      weight: 150
`;

describe("parseSource", () => {
  it("keeps every YAML document with its number", () => {
    const docs = parseSource(TWO_DOCS, "reviews.yaml");
    expect(docs.map((d) => [d.label, d.value.kind])).toEqual([
      ["document 1", "DestinationRule"],
      ["document 2", "VirtualService"],
    ]);
  });

  it("skips empty documents but keeps the numbering of the source", () => {
    const docs = parseSource(`kind: A\n---\n---\nkind: Gateway\n`, "x.yaml");
    expect(docs).toHaveLength(2);
    expect(docs[1].label).toBe("document 3");
  });

  it("expands JSON arrays and Lists into items", () => {
    const json = JSON.stringify([{ kind: "Gateway" }, { kind: "VirtualService" }], null, 2);
    expect(parseSource(json, "a.json").map((d) => d.label)).toEqual(["document 1, item 1", "document 1, item 2"]);
    const list = parseSource(`kind: List\nitems:\n- kind: Gateway\n  metadata:\n    name: g\n`, "l.yaml");
    expect(list[0].value.metadata.name).toBe("g");
    expect(lineOf(list[0], "metadata.name")).toBe(5);
  });

  it("names file, line and column of malformed input", () => {
    expect(() => parseSource(`kind: VirtualService\nspec: [a, b\n`, "bad.yaml")).toThrow(/^bad\.yaml:\d+:\d+: document 1 is not valid YAML or JSON/);
    try {
      parseSource(`a: 1\n---\nkind: x\n  bad: indentation\n`, "bad.yaml");
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/^bad\.yaml:3:\d+: document 2 /);
      expect((error as { exitCode: number }).exitCode).toBe(5);
    }
  });
});

describe("lineOf", () => {
  const docs = parseSource(TWO_DOCS, "reviews.yaml");

  it("finds the line of a nested field through sequences", () => {
    expect(lineOf(docs[1], "spec.http[0].route[1].weight")).toBe(25);
    expect(lineOf(docs[1], "spec.http[0].route[0].destination.subset")).toBe(20);
    expect(lineOf(docs[0], "spec.host")).toBe(7);
  });

  it("falls back to the nearest existing field when the path goes further than the source", () => {
    expect(lineOf(docs[1], "spec.http[0].route[1].destination.port")).toBe(22);
    expect(lineOf(docs[1], "spec.tcp")).toBe(13);
  });

  it("maps paths in JSON sources too", () => {
    const json = parseSource(`{\n  "kind": "VirtualService",\n  "spec": {\n    "hosts": ["a", 7]\n  }\n}\n`, "vs.json");
    expect(lineOf(json[0], "spec.hosts[1]")).toBe(4);
  });
});

describe("paths", () => {
  it("splits field paths, including quoted keys", () => {
    expect(pathSegments('spec.http[0].route[1].weight')).toEqual(["spec", "http", 0, "route", 1, "weight"]);
    expect(pathSegments('metadata.labels["app.kubernetes.io/name"]')).toEqual(["metadata", "labels", "app.kubernetes.io/name"]);
  });

  it("splits the document index off a server path", () => {
    expect(splitDocumentPath("documents[3].spec.http[0]")).toEqual({ index: 3, field: "spec.http[0]" });
    expect(splitDocumentPath("[1].spec")).toEqual({ index: 1, field: "spec" });
    expect(splitDocumentPath("spec.hosts")).toEqual({ index: undefined, field: "spec.hosts" });
  });
});
