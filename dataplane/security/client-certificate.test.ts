import { describe, expect, it } from "vitest";
import { clientCertificateIdentity } from "./client-certificate.ts";

const ISSUER = "O=Isthmus,CN=Isthmus Mesh CA";

function cf(over: Record<string, string> = {}) {
  return { tlsClientAuth: { certPresented: "1", certVerified: "SUCCESS", certIssuerDN: ISSUER, certSubjectDN: "O=Isthmus,CN=spiffe://cluster.local/ns/default/sa/batch", ...over } };
}

describe("client certificate facts at the edge", () => {
  it("takes the SPIFFE ID from a verified mesh certificate's subject CN", () => {
    expect(clientCertificateIdentity(cf(), ISSUER, "cluster.local")).toBe("spiffe://cluster.local/ns/default/sa/batch");
  });
  it("ignores unverified, other-issuer, foreign-domain and non-SPIFFE certificates, and the facts when not configured", () => {
    expect(clientCertificateIdentity(cf({ certVerified: "FAILED:self signed certificate" }), ISSUER, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(cf({ certPresented: "0" }), ISSUER, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(cf({ certIssuerDN: "CN=Other CA" }), ISSUER, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(cf({ certSubjectDN: "CN=spiffe://evil.example/ns/default/sa/batch" }), ISSUER, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(cf({ certSubjectDN: "CN=batch.example.com" }), ISSUER, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(cf(), undefined, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(undefined, ISSUER, "cluster.local")).toBeUndefined();
  });
});
