import { describe, expect, it } from "vitest";
import { doc, problemLines } from "./fixtures/documents.ts";

const server = (extra: Record<string, unknown> = {}) => ({ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"], ...extra });
const gw = (servers: unknown[], selector: unknown = { istio: "ingressgateway" }) => problemLines(doc("Gateway", { selector, servers }));

describe("Gateway", () => {
  it("accepts HTTP and HTTPS servers with edge TLS settings", () => {
    expect(
      gw([
        server({ name: "plain", hosts: ["bookinfo.example", "*/*.example.com"] }),
        server({ port: { number: 443, name: "https", protocol: "HTTPS" }, tls: { mode: "SIMPLE" } }),
        server({ port: { number: 8443, protocol: "http2" } }),
      ]),
    ).toEqual([]);
  });

  it("needs servers with a port and hosts", () => {
    expect(gw([])).toEqual(["spec.servers: must have at least one server"]);
    expect(gw([{ hosts: ["*"] }])).toEqual(["spec.servers[0].port: is required"]);
    expect(gw([server({ hosts: [] })])).toEqual(["spec.servers[0].hosts: must name at least one host"]);
    expect(gw([server({ port: { number: 80, name: "http" } })])).toEqual(["spec.servers[0].port.protocol: is required"]);
    expect(gw([server({ port: { number: 8080, protocol: "TCP" } })])[0]).toMatch(/^spec.servers\[0\].port.protocol: must be one of HTTP/);
    expect(gw([server()], { istio: 1 })[0]).toMatch(/^spec.selector.istio: /);
  });

  it("accepts the ports of the gateway Worker's listeners and refuses others, naming them", () => {
    for (const number of [80, 8080, 443, 8443]) expect(gw([server({ port: { number, protocol: "HTTP" } })]), String(number)).toEqual([]);
    const listeners = "the gateway Worker listens for HTTP on 80/8080 and HTTPS on 443/8443";
    for (const number of [9080, 31400, 99999, 80.5]) {
      expect(gw([server(), server({ port: { number, protocol: "HTTP" } })]), String(number)).toEqual([`spec.servers[1].port.number: ${listeners}`]);
    }
  });

  it("accepts Istio's TLS server forms: SIMPLE and MUTUAL with a credential, httpsRedirect on HTTP", () => {
    const https = (tls: unknown) => server({ port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: ["httpbin.example.com"], tls });
    expect(gw([https({ mode: "SIMPLE", credentialName: "httpbin-credential" })])).toEqual([]);
    expect(gw([https({ mode: "MUTUAL", credentialName: "httpbin-credential" })])).toEqual([]);
    expect(gw([https({ mode: "OPTIONAL_MUTUAL" })])).toEqual([]);
    expect(gw([server({ tls: { httpsRedirect: true } }), https({ mode: "SIMPLE" })])).toEqual([]);
    expect(gw([https({ mode: "SIMPLE", credentialName: "Bad/Name" })])[0]).toMatch(/^spec.servers\[0\].tls.credentialName: must be a lower-case DNS name/);
  });

  it("refuses TLS modes the gateway cannot terminate, naming the field and the reason", () => {
    const https = (tls: unknown) => server({ port: { number: 8443, protocol: "HTTPS" }, tls });
    expect(gw([https({ mode: "PASSTHROUGH" })])[0]).toMatch(/^spec.servers\[0\].tls.mode: PASSTHROUGH is not supported: the gateway terminates TLS/);
    expect(gw([https({ mode: "AUTO_PASSTHROUGH" })])[0]).toMatch(/^spec.servers\[0\].tls.mode: AUTO_PASSTHROUGH is not supported: /);
    expect(gw([https({ mode: "ISTIO_MUTUAL" })])[0]).toMatch(/^spec.servers\[0\].tls.mode: ISTIO_MUTUAL is not supported: Workers authenticate each other with JWT-SVIDs/);
    expect(gw([server({ tls: { mode: "SIMPLE" } })])).toEqual(["spec.servers[0].tls.mode: is only read on HTTPS servers (ports 443/8443); an HTTP server takes httpsRedirect"]);
    expect(gw([server({ tls: { credentialName: "c" } })])).toEqual(["spec.servers[0].tls.credentialName: is only read on HTTPS servers (ports 443/8443); an HTTP server takes httpsRedirect"]);
  });

  it("refuses TLS fields it cannot honour, and listener fields, by name", () => {
    expect(gw([server({ tls: { mode: "SIMPLE", serverCertificate: "/etc/cert.pem" } })])[0]).toMatch(
      /^spec.servers\[0\].tls.serverCertificate: unsupported field "serverCertificate": certificate files do not exist on Workers/,
    );
    expect(gw([server({ hosts: ["shop/bookinfo.example", "./a.example", "*/b.example"] })])).toEqual([]);
    expect(gw([server({ hosts: ["a/b/c"] })])[0]).toMatch(/^spec.servers\[0\].hosts\[0\]: must be "host", "namespace\/host"/);
    expect(gw([server({ hosts: ["/b.example"] })])[0]).toMatch(/^spec.servers\[0\].hosts\[0\]: /);
    expect(gw([server({ tls: { minProtocolVersion: "TLSV1_2" } })])[0]).toMatch(/unsupported field "minProtocolVersion"/);
    expect(gw([server({ tls: { credentialNames: ["a", "b"] } })])[0]).toMatch(/unsupported field "credentialNames": the gateway serves one certificate per server/);
    expect(gw([server({ tls: { mode: "SIMPLE", subjectAltNames: ["a"] } })])[0]).toMatch(/unsupported field "subjectAltNames"/);
    expect(gw([server({ bind: "0.0.0.0" })])[0]).toMatch(/^spec.servers\[0\].bind: unsupported field "bind"/);
    expect(gw([server({ defaultEndpoint: "127.0.0.1:8080" })])[0]).toMatch(/unsupported field "defaultEndpoint"/);
  });
});
