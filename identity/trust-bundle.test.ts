import { describe, expect, it } from "vitest";
import { InvalidTrustBundleError, parseTrustBundle, pemCertificate, x509AuthoritiesPem } from "./trust-bundle";

const EC = { kty: "EC", crv: "P-256", x: "eA", y: "eQ" };

describe("trust bundle", () => {
  it("keeps usable jwt-svid and x509-svid entries and ignores the rest, as the spec says", () => {
    const bundle = parseTrustBundle(
      {
        keys: [
          { ...EC, use: "jwt-svid", kid: "k1" },
          { ...EC, use: "jwt-svid" }, // no kid
          { ...EC, use: "sig", kid: "k2" }, // unknown use
          { kty: "RSA", n: "AQ", e: "AQAB", use: "jwt-svid", kid: "k3" }, // not ES256
          { kty: "OKP", crv: "Ed25519", x: "AA", use: "jwt-svid", kid: "k4" },
          { ...EC, use: "x509-svid", x5c: ["MIIB"] },
          { ...EC, use: "x509-svid" }, // no x5c
          { ...EC, kid: "k5" }, // no use
        ],
        spiffe_sequence: 7,
        spiffe_refresh_hint: 60,
        revoked: ["spiffe://example.org/ns/a/sa/b"],
        unknown_member: true,
      },
      "example.org",
    );
    expect(bundle.jwtAuthorities.map((k) => k.kid)).toEqual(["k1"]);
    expect(bundle.x509Authorities).toEqual(["MIIB"]);
    expect(bundle).toMatchObject({ trustDomain: "example.org", sequence: 7, refreshHintSeconds: 60 });
    expect(bundle.revoked).toEqual(["spiffe://example.org/ns/a/sa/b"]);
  });

  it("takes the trust domain from the document and refuses a mismatch", () => {
    expect(parseTrustBundle({ keys: [], trust_domain: "a.org" }).trustDomain).toBe("a.org");
    expect(() => parseTrustBundle({ keys: [], trust_domain: "a.org" }, "b.org")).toThrow(/expected "b.org"/);
    expect(() => parseTrustBundle({ keys: [] })).toThrow(/does not name/);
  });

  it("refuses documents without keys or with bad members", () => {
    expect(() => parseTrustBundle({}, "a.org")).toThrow(InvalidTrustBundleError);
    expect(() => parseTrustBundle({ keys: [], spiffe_sequence: -1 }, "a.org")).toThrow(/spiffe_sequence/);
    expect(() => parseTrustBundle({ keys: [], revoked: ["spiffe://a.org/x/"] }, "a.org")).toThrow(/revoked/);
    expect(() => parseTrustBundle({ keys: [] }, "A.org")).toThrow(/lower-case/);
  });

  it("renders x509 authorities as PEM", () => {
    const b64 = "A".repeat(100);
    expect(pemCertificate(b64)).toBe(
      `-----BEGIN CERTIFICATE-----\n${"A".repeat(64)}\n${"A".repeat(36)}\n-----END CERTIFICATE-----\n`,
    );
    const bundle = parseTrustBundle({ keys: [{ ...EC, use: "x509-svid", x5c: ["QUJD", "ignored"] }] }, "a.org");
    expect(x509AuthoritiesPem(bundle)).toContain("QUJD\n");
    expect(x509AuthoritiesPem(bundle)).not.toContain("ignored");
  });
});
