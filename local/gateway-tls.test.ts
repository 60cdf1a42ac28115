// The local HTTPS listener against a stand-in control API: the certificate it serves for a
// Gateway's credential, before and after the credential is set again.
import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, utimes } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { opensslCa, opensslCsr, opensslSign, scratchDir } from "../test/support/openssl";
import { readCredential, setCredential } from "./credentials.mjs";
import { startGatewayTls } from "./gateway-tls.mjs";

// The real reader, counted.
vi.mock("./credentials.mjs", async (importOriginal) => {
  const real = await importOriginal<typeof import("./credentials.mjs")>();
  return { ...real, readCredential: vi.fn(real.readCredential) };
});

const HOST = "httpbin.example.com";
const work = scratchDir();
const meshCa = opensslCa(work, "mesh");
const der = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, "");

function credential(name: string) {
  const ca = opensslCa(work, `${name}-issuer`);
  const csr = opensslCsr(work, name, { san: `DNS:${HOST}` });
  return { cert: opensslSign(work, name, csr.csrPem, ca, `DNS:${HOST}`), key: csr.keyPem };
}

// What the control API answers the listener: the mesh roots, one Gateway whose HTTPS server
// names the credential, and mesh-CA serving certificates.
function controlApi(): Server {
  return createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const json = (value: unknown) => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
      if (request.url === "/v1/trust-bundle") return json({ keys: [{ use: "x509-svid", x5c: [der(meshCa.certPem)] }] });
      if (request.url === "/v1/gateways") {
        return json({ items: [{ metadata: { name: "gw", namespace: "default" }, spec: { servers: [{ port: { number: 443 }, hosts: [HOST], tls: { mode: "SIMPLE", credentialName: "httpbin-credential" } }] } }] });
      }
      if (request.url === "/v1/ca/serving-certificates") return json({ chain: opensslSign(work, "serving", JSON.parse(body).csr, meshCa, "DNS:localhost") });
      response.writeHead(404).end("{}");
    });
  });
}

/** The SHA-256 fingerprint of the certificate one new connection is served for `servername`. */
function served(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

describe("the local gateway's HTTPS listener", () => {
  let stateDir = "";
  let api: Server;
  let listener: Awaited<ReturnType<typeof startGatewayTls>>;
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "isthmus-gateway-tls-"));
    api = controlApi();
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    const controlUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
    const mf = { dispatchFetch: async () => new Response("ok") };
    listener = await startGatewayTls({ mf: mf as never, gatewayWorker: "gateway", controlUrl, adminToken: "token", stateDir, port: 0 });
  });
  afterAll(async () => {
    await listener?.close();
    await new Promise((resolve) => api?.close(resolve));
    await rm(stateDir, { recursive: true, force: true });
  });

  it("serves a credential set again from the next connections, reading its files only when they change", async () => {
    const port = Number(new URL(listener.url).port);
    const first = credential("first");
    await setCredential(stateDir, "httpbin-credential", first);
    const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
    for (let i = 0; i < 5; i++) expect(await served(port, HOST)).toBe(fingerprint(first.cert));
    // Past the listener's one-second memo: the files are looked at again, not read.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await served(port, HOST)).toBe(fingerprint(first.cert));
    expect(readCredential).toHaveBeenCalledTimes(1);

    const second = credential("second");
    await setCredential(stateDir, "httpbin-credential", second);
    // A second on, so the files' times surely move, as a later rotation's would.
    const later = new Date(Date.now() + 1_000);
    for (const file of ["tls.crt", "tls.key", "ca.crt"]) await utimes(join(stateDir, "credentials", "httpbin-credential", file), later, later);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    for (let i = 0; i < 3; i++) expect(await served(port, HOST)).toBe(fingerprint(second.cert));
    expect(readCredential).toHaveBeenCalledTimes(2);
  });
});
