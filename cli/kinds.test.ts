import { describe, expect, it } from "vitest";
import { KINDS } from "../resources/index.ts";
import { CLI_KINDS, findKind, resourceRef } from "./kinds.js";

describe("CLI kinds", () => {
  it("are the resources' kinds, with the same plurals, groups and scope", () => {
    expect(CLI_KINDS.map(({ kind, plural, group, namespaced }) => ({ kind, plural, group, namespaced }))).toEqual(
      KINDS.map(({ kind, plural, group, namespaced }) => ({ kind, plural, group, namespaced })),
    );
    for (const k of CLI_KINDS) expect(KINDS.find((r) => r.kind === k.kind)!.versions).toContain(k.version);
  });

  it("are found by kind, plural, singular, short name and plural.group, in any case", () => {
    for (const name of ["VirtualService", "virtualservices", "virtualservice", "vs", "VS", "virtualservices.networking.istio.io"]) expect(findKind(name)?.kind).toBe("VirtualService");
    expect(["dr", "se", "gw", "pa", "ap", "ra"].map((n) => findKind(n)?.kind)).toEqual([
      "DestinationRule",
      "ServiceEntry",
      "Gateway",
      "PeerAuthentication",
      "AuthorizationPolicy",
      "RequestAuthentication",
    ]);
    expect(findKind("widgets")).toBeUndefined();
  });

  it("name resources as kubectl does", () => {
    expect(resourceRef("VirtualService", "reviews")).toBe("virtualservice.networking.istio.io/reviews");
    expect(resourceRef("HTTPRoute", "r")).toBe("httproute.gateway.networking.k8s.io/r");
  });
});
