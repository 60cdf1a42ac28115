import { describe, expect, it } from "vitest";
import { samplesOf, sumBy } from "./metrics-text.ts";

const TEXT = `# HELP isthmus_authn_failures_total Requests refused by authentication, by reason code.
# TYPE isthmus_authn_failures_total counter
isthmus_authn_failures_total{reason="token_expired",destination_workload="reviews-v2"} 2
isthmus_authn_failures_total{reason="token_expired",destination_workload="ratings-v1"} 3
isthmus_authn_failures_total{reason="bad \\"quote\\"",destination_workload="x"} 1
isthmus_authz_denials_total{policy="deny-all"} 4
istio_requests_total{reporter="source"} 99
`;

describe("metrics text", () => {
  it("reads the named counters with their labels", () => {
    const samples = samplesOf(TEXT, ["isthmus_authn_failures_total"]);
    expect(samples).toHaveLength(3);
    expect(samples[2]!.labels.reason).toBe('bad "quote"');
    expect(sumBy(samples, "reason")).toEqual(new Map([["token_expired", 5], ['bad "quote"', 1]]));
    expect(samplesOf(TEXT, ["isthmus_authz_denials_total"])).toEqual([{ name: "isthmus_authz_denials_total", labels: { policy: "deny-all" }, value: 4 }]);
  });
});
