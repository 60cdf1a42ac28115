import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { beforeAll, describe, expect, it } from "vitest";
import { opensslCa, opensslCsr, opensslVerify, scratchDir } from "../../test/support/openssl";
import { generateRoot, type SigningAuthority } from "./authority";
import { issueServingLeaf, servingCertificateSchema } from "./serving-certificate";
import { parseCsr } from "./x509-svid";

const dir = scratchDir();
let root: SigningAuthority;

beforeAll(async () => {
  root = await generateRoot("example.org", new Date());
});

describe("serving certificates for the gateway's TLS listener", () => {
  it("names the hosts as DNS and IP SANs, serves only, and verifies against the mesh root only", async () => {
    const { csrPem } = opensslCsr(dir, "srv", { san: "URI:spiffe://example.org/ns/istio-system/sa/gw" });
    const csr = await parseCsr(new TextEncoder().encode(csrPem));
    const leaf = await issueServingLeaf({
      publicKey: csr.publicKey,
      dnsNames: ["httpbin.example.com", "*.bookinfo.example"],
      ipAddresses: ["127.0.0.1"],
      issuer: root,
      ttlSeconds: 3600,
      now: new Date(),
    });
    expect(leaf.subject).toBe("CN=httpbin.example.com, O=Isthmus");
    expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON()).toEqual([
      { type: "dns", value: "httpbin.example.com" },
      { type: "dns", value: "*.bookinfo.example" },
      { type: "ip", value: "127.0.0.1" },
    ]);
    expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);
    expect(opensslVerify(dir, "srv", root.certificate.toString("pem"), leaf.toString("pem"))).toMatchObject({ ok: true });
    expect(opensslVerify(dir, "srv-foreign", opensslCa(dir, "other").certPem, leaf.toString("pem")).ok).toBe(false);
  });

  it("takes only host names and IPv4 addresses", () => {
    const problems = (body: unknown) => servingCertificateSchema.safeParse(body).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(problems({ csr: "x", dnsNames: ["a.example", "*.b.example"], ipAddresses: ["127.0.0.1"] })).toBeUndefined();
    expect(problems({ csr: "x", dnsNames: [] })).toEqual(["dnsNames: must name at least one host"]);
    expect(problems({ csr: "x", dnsNames: ["*"] })?.[0]).toMatch(/^dnsNames.0: must be a lower-case DNS name/);
    expect(problems({ csr: "x", dnsNames: ["a.example"], ipAddresses: ["::1"] })).toEqual(["ipAddresses.0: must be an IPv4 address"]);
  });
});
