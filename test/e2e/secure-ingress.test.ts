// Istio's secure-ingress task against `npm start`: the gateway's HTTPS listener with the
// certificate a Gateway's credentialName names (set with `isthmus credential set`), MUTUAL
// against that credential's CA and against the mesh CA, an AuthorizationPolicy on the
// client certificate's principal, and httpsRedirect on the HTTP listener. Real TLS peers
// (Node https with `ca`, `cert`, `key`), real workerd behind them.
import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, repo, startMesh, stop, TOKEN, type Running } from "../support/dev-mesh.ts";
import { opensslCa, opensslCsr, opensslSign, scratchDir } from "../support/openssl.ts";

const run = promisify(execFile);
const fixture = (name: string) => readFile(join(repo, "test/fixtures/secure-ingress", name), "utf8");

interface Answer {
  status?: number;
  body: string;
  location?: string;
  error?: string;
}

interface Client {
  ca: string;
  cert?: string;
  key?: string;
}

// One HTTPS request to the local gateway as `servername` (SNI and Host), as curl --resolve does.
function https(mesh: Running, servername: string, path: string, client: Client): Promise<Answer> {
  const { port } = new URL(mesh.gatewayTlsUrl);
  return new Promise((resolve) => {
    const req = httpsRequest(
      { host: "127.0.0.1", port, path, servername, headers: { host: `${servername}:${port}` }, ca: client.ca, cert: client.cert, key: client.key, agent: false, timeout: 15_000 },
      (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on("error", (error) => resolve({ body: "", error: (error as NodeJS.ErrnoException).code ?? error.message }));
    req.end();
  });
}

function plainHttp(mesh: Running, host: string, path: string): Promise<Answer> {
  const { port } = new URL(mesh.gatewayUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers: { host }, agent: false, timeout: 15_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, body: "", location: res.headers.location }));
    });
    req.on("error", reject);
    req.end();
  });
}

const errorCode = (answer: Answer) => (answer.body.startsWith("{") ? JSON.parse(answer.body).error?.code : undefined);

describe("secure ingress through the local gateway (Istio's secure-ingress task)", () => {
  const work = scratchDir();
  const cleanup: Array<() => Promise<unknown>> = [];
  let mesh: Running;
  let meshRoot: string;
  // example.com's CA, as the task makes it: the httpbin server certificate and a client certificate.
  const example = opensslCa(work, "example.com");
  const httpbinCsr = opensslCsr(work, "httpbin", { key: "rsa2048" });
  const httpbinCert = opensslSign(work, "httpbin", httpbinCsr.csrPem, example, "DNS:httpbin.example.com");
  const exampleClientCsr = opensslCsr(work, "client.example.com");
  const exampleClient = { cert: opensslSign(work, "client.example.com", exampleClientCsr.csrPem, example), key: exampleClientCsr.keyPem };
  const rogueCsr = opensslCsr(work, "rogue", { san: "URI:spiffe://cluster.local/ns/default/sa/bookinfo-productpage" });
  const rogue = { cert: opensslSign(work, "rogue", rogueCsr.csrPem, opensslCa(work, "rogue")), key: rogueCsr.keyPem };
  const meshClients: Record<string, { cert: string; key: string }> = {};

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${mesh.controlUrl}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers }, signal: AbortSignal.timeout(15_000) });
  const apply = async (yaml: string) => {
    const res = await api("/v1/apply", { method: "POST", headers: { "content-type": "application/yaml" }, body: yaml });
    expect(res.status, await res.clone().text()).toBe(200);
  };
  // A mesh-issued X509-SVID for a demo workload, as a client outside Workers gets one: its join token and a CSR.
  const meshClient = async (serviceAccount: string) => {
    const tokens = JSON.parse(await readFile(join(work, "state", "join-tokens.json"), "utf8"));
    const csr = opensslCsr(work, serviceAccount);
    const res = await api("/v1/svids/x509", { method: "POST", headers: { authorization: `Bearer ${tokens[`default/${serviceAccount}`].joinToken}`, "content-type": "application/pkcs10" }, body: csr.csrPem });
    expect(res.status).toBe(200);
    return { cert: await res.text(), key: csr.keyPem };
  };

  beforeAll(async () => {
    const stateDir = join(work, "state");
    cleanup.push(() => rm(work, { recursive: true, force: true }));
    // The task's `kubectl create secret generic httpbin-credential --from-file=tls.crt --from-file=tls.key --from-file=ca.crt`.
    await run(process.execPath, ["bin/isthmus.js", "credential", "set", "httpbin-credential", "--cert", join(work, "httpbin-foreign.pem"), "--key", join(work, "httpbin.key"), "--ca", example.certFile], {
      cwd: repo,
      env: { ...process.env, ISTHMUS_STATE_DIR: stateDir },
      timeout: 30_000,
    });
    expect(httpbinCert).toContain("BEGIN CERTIFICATE");
    mesh = await startMesh(stateDir);
    cleanup.push(() => stop(mesh));
    meshRoot = await readFile(join(stateDir, "mesh-root.pem"), "utf8");
    await eventually(async () => ((await api("/readyz")).status === 200 ? true : undefined), "/readyz", 60_000);
    await apply([await fixture("istio-secure-ingress.yaml"), await fixture("httpbin-stand-in.yaml"), await fixture("bookinfo-mutual.yaml")].join("\n---\n"));
    meshClients.productpage = await meshClient("bookinfo-productpage");
    meshClients.ratings = await meshClient("bookinfo-ratings");
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });

  it("serves Istio's SIMPLE Gateway with the credential it names, routed by the task's VirtualService", async () => {
    const answer = await eventually(async () => {
      const a = await https(mesh, "httpbin.example.com", "/status/418", { ca: example.certPem });
      return errorCode(a) === "no_route" ? undefined : a;
    }, "the httpbin Gateway");
    // httpbin's stand-in (productpage) answered: TLS, host, route and upstream all worked.
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ podname: "productpage-v1" });
    // The certificate is the credential's, not one of the mesh CA.
    expect((await https(mesh, "httpbin.example.com", "/status/418", { ca: meshRoot })).error).toMatch(/SELF_SIGNED|UNABLE_TO|ALTNAME/);
  });

  it("answers plain HTTP for a host with httpsRedirect with 301 to the same URL over https", async () => {
    const answer = await eventually(async () => {
      const a = await plainHttp(mesh, "bookinfo.example.com", "/productpage?u=1");
      return a.status === 301 ? a : undefined;
    }, "the redirect");
    expect(answer.location).toBe("https://bookinfo.example.com/productpage?u=1");
  });

  it("MUTUAL with the mesh CA: the allowed workload's certificate passes, others are refused with their reasons", async () => {
    const call = (client: Partial<Client>) => https(mesh, "bookinfo.example.com", "/productpage", { ca: meshRoot, ...client });
    const allowed = await eventually(async () => {
      const a = await call(meshClients.productpage);
      return a.status === 200 ? a : undefined;
    }, "the MUTUAL Gateway");
    expect(allowed.body).toContain("reviews");
    // Verified, but the AuthorizationPolicy allows only productpage's principal.
    const other = await call(meshClients.ratings);
    expect([other.status, errorCode(other)]).toEqual([403, "authz_denied"]);
    const foreign = await call(rogue);
    expect([foreign.status, errorCode(foreign)]).toEqual([403, "client_cert_unverified"]);
    expect(JSON.parse(foreign.body).error.reason).toMatch(/^FAILED:/);
    const none = await call({});
    expect([none.status, errorCode(none)]).toEqual([403, "client_cert_missing"]);
  });

  it("MUTUAL with the credential's CA (the task's mutual step): its client passes, a mesh certificate does not", async () => {
    await apply(await fixture("istio-secure-ingress-mutual.yaml"));
    const call = (client: Partial<Client>) => https(mesh, "httpbin.example.com", "/status/418", { ca: example.certPem, ...client });
    await eventually(async () => (errorCode(await call({})) === "client_cert_missing" ? true : undefined), "the MUTUAL httpbin Gateway");
    const accepted = await call(exampleClient);
    expect([accepted.status, JSON.parse(accepted.body).podname]).toEqual([404, "productpage-v1"]);
    const meshIssued = await call(meshClients.productpage);
    expect([meshIssued.status, errorCode(meshIssued)]).toEqual([403, "client_cert_unverified"]);
  });
});
