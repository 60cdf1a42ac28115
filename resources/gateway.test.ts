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

  it("refuses TLS that Cloudflare owns, and listener fields, by name", () => {
    expect(gw([server({ tls: { mode: "SIMPLE", serverCertificate: "/etc/cert.pem" } })])[0]).toMatch(
      /^spec.servers\[0\].tls.serverCertificate: unsupported field "serverCertificate": Cloudflare terminates TLS/,
    );
    expect(gw([server({ tls: { mode: "PASSTHROUGH" } })])[0]).toMatch(/^spec.servers\[0\].tls.mode: only SIMPLE is supported at the edge/);
    expect(gw([server({ tls: { mode: "MUTUAL" } })])[0]).toMatch(/^spec.servers\[0\].tls.mode: only SIMPLE/);
    expect(gw([server({ tls: { httpsRedirect: true } })])).toEqual([]);
    expect(gw([server({ hosts: ["shop/bookinfo.example", "./a.example", "*/b.example"] })])).toEqual([]);
    expect(gw([server({ hosts: ["a/b/c"] })])[0]).toMatch(/^spec.servers\[0\].hosts\[0\]: must be "host", "namespace\/host"/);
    expect(gw([server({ hosts: ["/b.example"] })])[0]).toMatch(/^spec.servers\[0\].hosts\[0\]: /);
    expect(gw([server({ tls: { minProtocolVersion: "TLSV1_2" } })])[0]).toMatch(/unsupported field "minProtocolVersion"/);
    expect(gw([server({ tls: { mode: "SIMPLE", credentialName: "bookinfo-cert" } })])[0]).toMatch(/unsupported field "credentialName": Cloudflare terminates TLS/);
    expect(gw([server({ tls: { mode: "SIMPLE", subjectAltNames: ["a"] } })])[0]).toMatch(/unsupported field "subjectAltNames"/);
    expect(gw([server({ bind: "0.0.0.0" })])[0]).toMatch(/^spec.servers\[0\].bind: unsupported field "bind"/);
    expect(gw([server({ defaultEndpoint: "127.0.0.1:8080" })])[0]).toMatch(/unsupported field "defaultEndpoint"/);
  });
});
