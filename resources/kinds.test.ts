import { describe, expect, it } from "vitest";
import { z } from "zod";
import { GatewayApiGatewayResource } from "./gateway-api-gateway.ts";
import { GatewayResource } from "./gateway.ts";
import { KINDS, apiVersionsOf, formsOf, kindByName, kindByPlural, schemaOf } from "./kinds.ts";

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
      "rollouts",
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

  it("reads a Gateway in Istio's group and in Gateway API's, each by its own schema", () => {
    const gateway = kindByName("Gateway")!;
    expect(apiVersionsOf(gateway)).toEqual([
      "networking.istio.io/v1",
      "networking.istio.io/v1beta1",
      "networking.istio.io/v1alpha3",
      "gateway.networking.k8s.io/v1",
      "gateway.networking.k8s.io/v1beta1",
    ]);
    expect(schemaOf(gateway, "networking.istio.io/v1alpha3")).toBe(GatewayResource);
    expect(schemaOf(gateway, "gateway.networking.k8s.io/v1beta1")).toBe(GatewayApiGatewayResource);
    expect(schemaOf(gateway, "gateway.networking.k8s.io/v1alpha2")).toBeUndefined();
  });

  it("turns every schema into JSON Schema, for the OpenAPI document", () => {
    for (const form of KINDS.flatMap(formsOf)) {
      const schema = z.toJSONSchema(form.schema, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, unknown> };
      expect(Object.keys(schema.properties ?? {}), form.group).toEqual(["apiVersion", "kind", "metadata", "spec"]);
    }
  });
});
