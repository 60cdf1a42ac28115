import { describe, expect, it } from "vitest";
import { doc, problemLines } from "./fixtures/documents.ts";
import { ALLOW_PRIVATE_ADDRESSES_ANNOTATION, privateAddressReason } from "./private-address.ts";

describe("private addresses", () => {
  it("refuses loopback, private, link-local, unspecified and metadata targets in every written form", () => {
    const refused = [
      "http://127.0.0.1/jwks", "https://127.1:8443/", "http://2130706433/", "http://0x7f.0.0.1/", "http://0177.0.0.1/", "http://localhost/",
      "http://LOCALHOST./", "http://api.localhost/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/",
      "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/", "http://[fc00::1]/", "http://[fd00:ec2::254]/",
      "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://0.0.0.0/", "http://[::]/", "http://0/",
      "http://metadata.google.internal/computeMetadata/v1/", "http://100.100.100.200/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:7f00:1::]/",
      "http://224.0.0.1/", "http://255.255.255.255/",
    ];
    for (const url of refused) expect(privateAddressReason(url), url).toMatch(/^points to/);
  });

  it("lets public addresses and host names through (names are not resolved when applied)", () => {
    for (const url of ["https://issuer.example/jwks", "https://93.184.216.34/", "https://[2606:4700::1111]/", "https://internal.corp.example/"]) {
      expect(privateAddressReason(url), url).toBeUndefined();
    }
  });

  const ra = (jwksUri: string, annotations?: Record<string, string>) =>
    problemLines(doc("RequestAuthentication", { jwtRules: [{ issuer: "https://idp", jwksUri }] }, annotations ? { annotations } : {}));
  const se = (address: string, annotations?: Record<string, string>) =>
    problemLines(doc("ServiceEntry", { hosts: ["legacy"], endpoints: [{ address }] }, annotations ? { annotations } : {}));

  it("refuses a private jwksUri or origin endpoint by its field path, unless the resource opts in", () => {
    expect(ra("http://169.254.169.254/jwks")).toEqual([
      `spec.jwtRules[0].jwksUri: points to a linkLocal address (169.254.169.254), not a public one: refused unless the resource is annotated ${ALLOW_PRIVATE_ADDRESSES_ANNOTATION}: "true"`,
    ]);
    expect(se("https://[::ffff:10.0.0.1]:8443/base")[0]).toMatch(/^spec\.endpoints\[0\]\.address: points to a private address \(10\.0\.0\.1\)/);
    expect(se("http://127.0.0.1:8080")[0]).toMatch(/^spec\.endpoints\[0\]\.address: points to a loopback address/);
    expect(ra("http://127.0.0.1:9999/jwks", { [ALLOW_PRIVATE_ADDRESSES_ANNOTATION]: "true" })).toEqual([]);
    expect(se("http://127.0.0.1:8080", { [ALLOW_PRIVATE_ADDRESSES_ANNOTATION]: "true" })).toEqual([]);
    expect(se("http://127.0.0.1:8080", { [ALLOW_PRIVATE_ADDRESSES_ANNOTATION]: "yes" })).toHaveLength(1);
    expect(se("worker://legacy-v1")).toEqual([]);
    expect(se("https://legacy.example.com")).toEqual([]);
  });
});
