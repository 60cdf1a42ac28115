import { describe, expect, it } from "vitest";
import { InvalidResourceError } from "./errors.ts";
import { doc, problemLines } from "./fixtures/documents.ts";
import { formatPath, validateResource } from "./validate.ts";

const vs = (spec: unknown = { hosts: ["reviews"], http: [{ route: [{ destination: { host: "reviews" } }] }] }, metadata = {}) =>
  doc("VirtualService", spec, metadata);

describe("validateResource: the envelope", () => {
  it("refuses what is not an object", () => {
    for (const input of [null, "text", 3, [vs()]]) {
      expect(problemLines(input)).toEqual([": must be an object with apiVersion, kind, metadata and spec"]);
    }
  });

  it("needs a kind it knows", () => {
    expect(problemLines({ apiVersion: "v1" })).toEqual(["kind: is required"]);
    expect(problemLines({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" } })[0]).toMatch(
      /^kind: unsupported kind "Deployment": expected one of ServiceEntry, VirtualService/,
    );
  });

  it("needs an apiVersion of the kind's group", () => {
    expect(problemLines({ ...vs(), apiVersion: undefined })).toEqual(["apiVersion: is required"]);
    expect(problemLines({ ...vs(), apiVersion: "networking.istio.io/v2" })[0]).toMatch(/^apiVersion: unsupported apiVersion "networking.istio.io\/v2"/);
    // A Gateway in Gateway API's group is read by Gateway API's schema, not Istio's.
    expect(problemLines({ ...doc("Gateway", { servers: [] }), apiVersion: "gateway.networking.k8s.io/v1" })).toEqual([
      "spec.gatewayClassName: is required",
      "spec.listeners: is required",
      'spec.servers: unknown field "servers"',
    ]);
    expect(problemLines({ ...doc("Gateway", {}), apiVersion: "gateway.networking.k8s.io/v1alpha2" })[0]).toMatch(/expected one of networking.istio.io\/v1, .*, gateway.networking.k8s.io\/v1, gateway.networking.k8s.io\/v1beta1$/);
    expect(problemLines({ ...doc("PeerAuthentication", {}), apiVersion: "security.istio.io/v1alpha3" })).toHaveLength(1);
  });

  it("accepts every version Istio serves for the group", () => {
    for (const apiVersion of ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"]) {
      expect(problemLines({ ...vs(), apiVersion })).toEqual([]);
    }
    for (const apiVersion of ["security.istio.io/v1", "security.istio.io/v1beta1"]) {
      expect(problemLines({ ...doc("PeerAuthentication", {}), apiVersion })).toEqual([]);
    }
    for (const apiVersion of ["gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"]) {
      expect(problemLines({ ...doc("HTTPRoute", {}), apiVersion })).toEqual([]);
    }
  });

  it("fills the namespace with the default, or the caller's default, and keeps one given", () => {
    expect(validateResource(vs()).metadata.namespace).toBe("default");
    expect(validateResource(vs(), "shop").metadata.namespace).toBe("shop");
    expect(validateResource(vs(undefined, { namespace: "bookinfo" }), "shop").metadata.namespace).toBe("bookinfo");
  });

  it("does not change its input", () => {
    const input = vs();
    const copy = structuredClone(input);
    validateResource(input);
    expect(input).toEqual(copy);
  });

  it("refuses unknown fields by name at every level", () => {
    expect(problemLines({ ...vs(), status: {} })).toEqual(['status: unknown field "status"']);
    expect(problemLines(vs({ hosts: ["a"], foo: 1, bar: 2 }))).toEqual(['spec.foo: unknown field "foo"', 'spec.bar: unknown field "bar"']);
    expect(problemLines(vs({ hosts: ["a"], http: [{ route: [{ destination: { host: "a", version: "v1" } }] }] }))).toEqual([
      'spec.http[0].route[0].destination.version: unknown field "version"',
    ]);
  });

  it("treats null as unset, as Kubernetes does", () => {
    const resource = validateResource(vs({ hosts: ["a"], gateways: null, http: [{ route: [{ destination: { host: "a", subset: null } }] }] }));
    expect(resource.kind === "VirtualService" && resource.spec.gateways).toBeUndefined();
  });

  it("needs spec where the kind has required fields, and defaults it for policies", () => {
    expect(problemLines({ apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "x" } })).toEqual(["spec: is required"]);
    const policy = validateResource({ apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name: "allow-nothing" } });
    expect(policy.spec).toEqual({});
  });

  it("reports every problem, with a summary naming the first", () => {
    try {
      validateResource(vs({ hosts: [], http: [{ route: [{ destination: { host: "a" }, weight: 101 }] }] }, { name: "reviews" }));
      throw new Error("expected to throw");
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidResourceError);
      const invalid = error as InvalidResourceError;
      expect(invalid.code).toBe("invalid_resource");
      expect(invalid.message).toBe('invalid VirtualService "reviews": spec.hosts: must name at least one host (and 1 more)');
      expect(invalid.details).toEqual([
        { path: "spec.hosts", message: "must name at least one host" },
        { path: "spec.http[0].route[0].weight", message: "must be 0..100" },
      ]);
    }
  });
});

describe("validateResource: metadata", () => {
  it("needs a DNS-1123 name", () => {
    expect(problemLines(vs(undefined, { name: undefined }))).toEqual(["metadata.name: is required"]);
    expect(problemLines(vs(undefined, { name: "Reviews" }))[0]).toMatch(/^metadata.name: must be a DNS-1123 subdomain/);
    expect(problemLines(vs(undefined, { name: "-reviews" }))).toHaveLength(1);
    expect(problemLines(vs(undefined, { name: "a".repeat(254) }))).toContain("metadata.name: must be at most 253 characters");
    expect(problemLines(vs(undefined, { name: "reviews.v2-canary" }))).toEqual([]);
  });

  it("needs a DNS-1123 label namespace", () => {
    expect(problemLines(vs(undefined, { namespace: "book.info" }))[0]).toMatch(/^metadata.namespace: must be a DNS-1123 label/);
    expect(problemLines(vs(undefined, { namespace: "n".repeat(64) }))).toContain("metadata.namespace: must be at most 63 characters");
  });

  it("checks labels and annotations", () => {
    expect(problemLines(vs(undefined, { labels: { app: "reviews", "app.kubernetes.io/name": "reviews", version: "v2" } }))).toEqual([]);
    expect(problemLines(vs(undefined, { labels: { version: 2 } }))[0]).toMatch(/^metadata.labels.version: /);
    expect(problemLines(vs(undefined, { labels: { version: "v 2" } }))[0]).toMatch(/^metadata.labels.version: label values/);
    expect(problemLines(vs(undefined, { annotations: { "istio.io/dry-run": "true" } }))).toEqual([]);
    expect(problemLines(vs(undefined, { annotations: { "istio.io/dry-run": true } }))[0]).toMatch(/^metadata.annotations\["istio.io\/dry-run"\]: /);
  });

  it("accepts the fields the control plane sets, and refuses others by name", () => {
    const meta = { resourceVersion: "7", generation: 3, creationTimestamp: "2026-01-01T00:00:00Z", uid: "abc" };
    expect(problemLines(vs(undefined, meta))).toEqual([]);
    expect(problemLines(vs(undefined, { managedFields: [] }))).toEqual(['metadata.managedFields: unknown field "managedFields"']);
    expect(problemLines(vs(undefined, { generation: -1 }))).toHaveLength(1);
  });
});

describe("formatPath", () => {
  it("writes indexes in brackets and quotes keys that are not identifiers", () => {
    expect(formatPath(["spec", "http", 0, "route", 1, "weight"])).toBe("spec.http[0].route[1].weight");
    expect(formatPath(["spec", "http", 0, "match", 0, "headers", "end-user", "exact"])).toBe('spec.http[0].match[0].headers["end-user"].exact');
    expect(formatPath([])).toBe("");
  });
});

describe("validateResource: map keys", () => {
  it("names the key's own problem", () => {
    expect(problemLines(doc("VirtualService", { hosts: ["a"] }, { labels: { "bad key!": "x" } }))).toEqual([
      'metadata.labels["bad key!"]: label keys must be qualified names such as app or app.kubernetes.io/name',
    ]);
  });
});
