import { describe, expect, it } from "vitest";
import { doc, problemLines } from "./fixtures/documents.ts";

const se = (spec: Record<string, unknown>) => problemLines(doc("ServiceEntry", { hosts: ["reviews"], ...spec }));
const endpoint = (address: unknown) => se({ endpoints: [{ address }] });

describe("ServiceEntry", () => {
  it("accepts the registry fields", () => {
    expect(
      se({
        hosts: ["reviews", "reviews.default.svc.cluster.local"],
        ports: [{ number: 9080, name: "http", protocol: "HTTP" }, { number: 443, protocol: "https" }],
        location: "MESH_INTERNAL",
        resolution: "STATIC",
        endpoints: [
          {
            address: "worker://reviews-v2",
            labels: { app: "reviews", version: "v2" },
            weight: 3,
            serviceAccount: "bookinfo-reviews",
          },
          { address: "https://reviews.example.com:8443/base" },
          { address: "http://93.184.216.34" },
          { address: "dispatch://CUSTOMER_WORKERS/reviews-tenant-a" },
        ],
        exportTo: ["*"],
      }),
    ).toEqual([]);
    for (const resolution of ["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN"]) expect(se({ resolution })).toEqual([]);
  });

  it("checks endpoint addresses: worker://, dispatch:// or an http(s) origin", () => {
    const forms = "must be worker://NAME, dispatch://NAMESPACE_BINDING/SCRIPT or an http(s):// origin URL";
    expect(endpoint("10.1.2.3")).toEqual([`spec.endpoints[0].address: ${forms}`]);
    expect(endpoint("worker://")).toEqual([`spec.endpoints[0].address: ${forms}`]);
    expect(endpoint("worker://a/b")).toEqual([`spec.endpoints[0].address: ${forms}`]);
    expect(endpoint("dispatch://NS")).toEqual([`spec.endpoints[0].address: ${forms}`]);
    expect(endpoint("unix:///var/run/x.sock")).toEqual([`spec.endpoints[0].address: ${forms}`]);
    expect(endpoint("https://user:pw@x.example")).toEqual(["spec.endpoints[0].address: must not carry credentials"]);
    expect(endpoint("https://x.example/?a=1")).toEqual(["spec.endpoints[0].address: must not have a query or fragment"]);
    expect(endpoint("http://")).toEqual(["spec.endpoints[0].address: is not a valid URL"]);
    expect(se({ endpoints: [{ labels: {} }] })).toEqual(["spec.endpoints[0].address: is required"]);
  });

  it("checks hosts, ports and protocols", () => {
    expect(problemLines(doc("ServiceEntry", { ports: [] }))).toEqual(["spec.hosts: is required"]);
    expect(se({ hosts: [] })).toEqual(["spec.hosts: must name at least one host"]);
    expect(se({ ports: [{ number: 0, name: "http" }] })).toEqual(["spec.ports[0].number: must be a port number 1..65535"]);
    expect(se({ ports: [{ number: 3306, name: "mysql", protocol: "TCP" }] })).toEqual([
      "spec.ports[0].protocol: must be one of HTTP, HTTPS, HTTP2, GRPC: Isthmus carries HTTP only",
    ]);
    expect(se({ resolution: "MAGIC" })[0]).toMatch(/^spec.resolution: Invalid option/);
    expect(se({ location: "EVERYWHERE" })[0]).toMatch(/^spec.location: Invalid option/);
  });

  it("refuses virtual IPs and workload selectors by name", () => {
    expect(se({ addresses: ["10.0.0.1"] })[0]).toMatch(/^spec.addresses: unsupported field "addresses": virtual IPs/);
    expect(se({ workloadSelector: { labels: { app: "a" } } })[0]).toMatch(/^spec.workloadSelector: unsupported field "workloadSelector"/);
    expect(se({ ports: [{ number: 80, targetPort: 8080 }] })[0]).toMatch(/^spec.ports\[0\].targetPort: unsupported field "targetPort"/);
    for (const field of ["ports", "network", "locality"]) {
      expect(se({ endpoints: [{ address: "worker://a", [field]: field === "ports" ? { http: 80 } : "x" }] })[0]).toMatch(
        new RegExp(`^spec.endpoints\\[0\\].${field}: unsupported field "${field}"`),
      );
    }
    expect(se({ subjectAltNames: ["spiffe://cluster.local/ns/default/sa/a"] })[0]).toMatch(/^spec.subjectAltNames: unsupported field/);
  });
});
