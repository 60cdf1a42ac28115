import { describe, expect, it } from "vitest";
import { InvalidTrustBundleError, parseTrustBundle } from "./trust-bundle";
import { spiffeBundleSchema } from "./trust-bundle-schema";

const EC = { kty: "EC", crv: "P-256", x: "eA", y: "eQ", use: "jwt-svid", kid: "k1" };
const ok = { keys: [EC, { kty: "EC", use: "x509-svid", x5c: ["MIIB"] }], spiffe_sequence: 0, spiffe_refresh_hint: 1, trust_domain: "a.org", revoked: [], extra: {} };

// Each document the schema refuses, and the member parseTrustBundle names.
const refused: [string, unknown, string][] = [
  ["not an object", [], "(root)"],
  ["keys missing", { trust_domain: "a.org" }, "keys"],
  ["a key null", { keys: [null] }, "keys.0"],
  ["kty missing", { keys: [{ use: "jwt-svid" }] }, "keys.0.kty"],
  ["kid a number", { keys: [{ ...EC, kid: 1 }] }, "keys.0.kid"],
  ["x null", { keys: [{ ...EC, x: null }] }, "keys.0.x"],
  ["x5c a string", { keys: [{ kty: "EC", x5c: "MIIB" }] }, "keys.0.x5c"],
  ["x5c with a number", { keys: [{ kty: "EC", x5c: [1] }] }, "keys.0.x5c.0"],
  ["sequence negative", { keys: [], spiffe_sequence: -1 }, "spiffe_sequence"],
  ["sequence fractional", { keys: [], spiffe_sequence: 1.5 }, "spiffe_sequence"],
  ["refresh hint 0", { keys: [], spiffe_refresh_hint: 0 }, "spiffe_refresh_hint"],
  ["trust_domain a number", { keys: [], trust_domain: 1 }, "trust_domain"],
  ["revoked a string", { keys: [], revoked: "spiffe://a.org/x" }, "revoked"],
  ["revoked with a number", { keys: [], revoked: [1] }, "revoked.0"],
];

describe("parseTrustBundle's shape check", () => {
  it("accepts what the schema accepts", () => {
    expect(spiffeBundleSchema.safeParse(ok).success).toBe(true);
    expect(parseTrustBundle(ok).jwtAuthorities).toHaveLength(1);
  });

  it.each(refused)("refuses %s, as the schema does, naming %s", (_what, doc, path) => {
    expect(spiffeBundleSchema.safeParse(doc).success).toBe(false);
    expect(() => parseTrustBundle(doc, "a.org")).toThrow(InvalidTrustBundleError);
    expect(() => parseTrustBundle(doc, "a.org")).toThrow(`trust bundle: ${path}: expected`);
  });
});
