import { describe, expect, it } from "vitest";
import type { OutboundCall } from "../outbound/call.ts";
import { clientCertificateEdge, clientCertificateIdentity } from "./client-certificate.ts";
import { edgePeer } from "./edge-peer.ts";

const ISSUER = "O=Isthmus,CN=Isthmus Mesh CA";

function auth(over: Record<string, string> = {}) {
  return { certPresented: "1", certVerified: "SUCCESS", certIssuerDN: ISSUER, certSubjectDN: "O=Isthmus,CN=spiffe://cluster.local/ns/default/sa/batch", ...over };
}

describe("client certificate facts at the edge", () => {
  it("takes the SPIFFE ID from a verified mesh certificate's subject CN", () => {
    expect(clientCertificateIdentity(auth(), ISSUER, "cluster.local")).toBe("spiffe://cluster.local/ns/default/sa/batch");
  });
  it("ignores unverified, other-issuer, foreign-domain and non-SPIFFE certificates, and the facts when not configured", () => {
    expect(clientCertificateIdentity(auth({ certVerified: "FAILED:self signed certificate" }), ISSUER, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(auth({ certPresented: "0" }), ISSUER, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(auth({ certRevoked: "1" }), ISSUER, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(auth({ certIssuerDN: "CN=Other CA" }), ISSUER, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(auth({ certSubjectDN: "CN=spiffe://evil.example/ns/default/sa/batch" }), ISSUER, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(auth({ certSubjectDN: "CN=batch.example.com" }), ISSUER, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(auth(), undefined, "cluster.local")).toBeUndefined();
    expect(clientCertificateIdentity(undefined, ISSUER, "cluster.local")).toBeUndefined();
  });

  it("sets the caller's principal on the HTTPS listener only: a plain request's cf is not believed", async () => {
    const principalOf = async (url: string) => {
      const call = { env: { ISTHMUS_CLIENT_CA_ISSUER_DN: ISSUER }, mesh: { snapshot: { trustDomain: "cluster.local" } } } as unknown as OutboundCall;
      const request = Object.assign(new Request(url), { cf: { tlsClientAuth: auth() } });
      await clientCertificateEdge(request, call, async () => new Response());
      return edgePeer(call);
    };
    expect(await principalOf("https://bookinfo.example.com/")).toEqual({ principal: "spiffe://cluster.local/ns/default/sa/batch", namespace: "default" });
    expect(await principalOf("http://bookinfo.example.com/")).toEqual({});
  });
});
