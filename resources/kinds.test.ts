import { describe, expect, it } from "vitest";
import { z } from "zod";
import { KINDS, apiVersionsOf, kindByName, kindByPlural } from "./kinds.ts";

describe("KINDS", () => {
  it("serves every kind at its REST plural", () => {
    expect(KINDS.map((k) => k.plural)).toEqual([
      "serviceentries",
      "virtualservices",
      "destinationrules",
      "gateways",
      "peerauthentications",
      "authorizationpolicies",
      "requestauthentications",
      "httproutes",
    ]);
    expect(kindByPlural("virtualservices")?.kind).toBe("VirtualService");
    expect(kindByPlural("deployments")).toBeUndefined();
    expect(kindByName("HTTPRoute")?.group).toBe("gateway.networking.k8s.io");
    expect(kindByName("httproute")).toBeUndefined();
  });

  it("names the apiVersions each kind accepts", () => {
    expect(apiVersionsOf(kindByName("DestinationRule")!)).toEqual(["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"]);
    expect(apiVersionsOf(kindByName("AuthorizationPolicy")!)).toEqual(["security.istio.io/v1", "security.istio.io/v1beta1"]);
  });

  it("turns every schema into JSON Schema, for the OpenAPI document", () => {
    for (const info of KINDS) {
      const schema = z.toJSONSchema(info.schema, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, unknown> };
      expect(Object.keys(schema.properties ?? {}), info.kind).toEqual(["apiVersion", "kind", "metadata", "spec"]);
    }
  });
});
