import { describe, expect, it } from "vitest";
import { InvalidSpiffeIdError, parseSpiffeId, trustDomainId, workloadId } from "./spiffe-id";

function reasonOf(input: string): string {
  try {
    parseSpiffeId(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidSpiffeIdError);
    return (err as InvalidSpiffeIdError).reason;
  }
  return "valid";
}

describe("SPIFFE ID", () => {
  it("accepts valid IDs and canonicalises the scheme", () => {
    expect(parseSpiffeId("spiffe://example.org/ns/default/sa/reviews")).toEqual({
      trustDomain: "example.org",
      path: "/ns/default/sa/reviews",
      id: "spiffe://example.org/ns/default/sa/reviews",
    });
    expect(parseSpiffeId("SPIFFE://td_1.x-y/a.b/C_d-9").id).toBe("spiffe://td_1.x-y/a.b/C_d-9");
    expect(parseSpiffeId("spiffe://cluster.local").path).toBe("");
    expect(parseSpiffeId("spiffe://1.2.3.4/x").trustDomain).toBe("1.2.3.4");
  });

  it.each([
    ["", "empty"],
    ["http://example.org/x", "wrong_scheme"],
    ["spiffe:/example.org/x", "wrong_scheme"],
    ["spiffe:///path", "missing_trust_domain"],
    ["spiffe://Example.org/x", "bad_trust_domain_char"],
    ["spiffe://exa mple.org/x", "bad_trust_domain_char"],
    ["spiffe://[::1]/x", "port_not_allowed"],
    ["spiffe://user@example.org/x", "userinfo_not_allowed"],
    ["spiffe://example.org:8080/x", "port_not_allowed"],
    ["spiffe://ex%41mple.org/x", "percent_encoded"],
    ["spiffe://example.org/x?y=1", "query_not_allowed"],
    ["spiffe://example.org/x#frag", "fragment_not_allowed"],
    ["spiffe://example.org/", "trailing_slash"],
    ["spiffe://example.org/x/", "trailing_slash"],
    ["spiffe://example.org//x", "empty_segment"],
    ["spiffe://example.org/./x", "dot_segment"],
    ["spiffe://example.org/a/..", "dot_segment"],
    ["spiffe://example.org/a%2Fb", "percent_encoded"],
    ["spiffe://example.org/a b", "bad_path_char"],
    ["spiffe://example.org/ä", "bad_path_char"],
    [`spiffe://${"a".repeat(256)}/x`, "trust_domain_too_long"],
    [`spiffe://example.org/${"a".repeat(2048)}`, "too_long"],
  ])("refuses %s (%s)", (input, reason) => {
    expect(reasonOf(input)).toBe(reason);
  });

  it("accepts the longest allowed forms", () => {
    expect(reasonOf(`spiffe://${"a".repeat(255)}`)).toBe("valid");
    const path = "/" + "a".repeat(2048 - "spiffe://td".length - 1);
    expect(reasonOf(`spiffe://td${path}`)).toBe("valid");
  });

  it("builds workload and trust domain IDs, refusing bad parts", () => {
    expect(workloadId("cluster.local", "default", "reviews")).toBe(
      "spiffe://cluster.local/ns/default/sa/reviews",
    );
    expect(trustDomainId("cluster.local")).toBe("spiffe://cluster.local");
    expect(() => workloadId("cluster.local", "..", "x")).toThrow(/"\.\."/);
    expect(() => workloadId("cluster.local", "default", "")).toThrow(InvalidSpiffeIdError);
    expect(() => trustDomainId("Cluster")).toThrow(/lower-case/);
  });
});
