import { describe, expect, it } from "vitest";
import { oidcDiscovery, OidcMisconfiguredError, OidcNotConfiguredError } from "./oidc-discovery.ts";

describe("OIDC discovery document", () => {
  it("names the issuer and jwks_uri from the configured public URL", () => {
    expect(oidcDiscovery("https://mesh.example.com")).toMatchObject({ issuer: "https://mesh.example.com", jwks_uri: "https://mesh.example.com/.well-known/jwks.json" });
    expect(oidcDiscovery("https://example.com/isthmus/")).toMatchObject({ issuer: "https://example.com/isthmus", jwks_uri: "https://example.com/isthmus/.well-known/jwks.json" });
  });

  it("is not served without a configured public URL", () => {
    expect(() => oidcDiscovery(undefined)).toThrow(OidcNotConfiguredError);
    expect(() => oidcDiscovery("")).toThrow(OidcNotConfiguredError);
  });

  it.each([["not a url"], ["ftp://mesh.example.com"], ["https://mesh.example.com/?iss=evil"], ["https://mesh.example.com/#x"], ["https://user:pw@mesh.example.com"]])("refuses %s as a public URL", (value) => {
    expect(() => oidcDiscovery(value)).toThrow(OidcMisconfiguredError);
  });
});
