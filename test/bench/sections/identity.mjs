// Identity costs. In one isolate (test/bench/workers/identity.ts): JWT-SVID verify without
// and with the verified-token cache, ES256 signing, CSR -> X.509-SVID; workerd's clocks
// stand still while code runs, so each request does N operations and the client times N
// against 0. Through the REST API of the bench mesh's control plane (CA Durable Object):
// JWT-SVIDs issued/s and CSRs signed/s, 8 requests in flight.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { buildWorker } from "../../../local/build.mjs";
import { median, perSecond } from "../stats.mjs";

const TD = "cluster.local";

export function opensslCsr(spiffeId) {
  const dir = mkdtempSync(join(tmpdir(), "isthmus-bench-csr-"));
  execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, "k.pem"), "-subj", "/O=bench", "-addext", `subjectAltName=URI:${spiffeId}`, "-out", join(dir, "c.csr")], { stdio: "ignore" });
  return readFileSync(join(dir, "c.csr"), "utf8");
}

async function inIsolate(buildDir, { quick }) {
  const script = await buildWorker("test/bench/workers/identity.ts", join(buildDir, "identity.mjs"));
  const mf = new Miniflare({ modules: true, scriptPath: script, modulesRoot: buildDir, compatibilityDate: "2026-04-26" });
  // identity.ts signs its CSRs' identity in bench.local.
  const csrPem = opensslCsr("spiffe://bench.local/ns/default/sa/productpage");
  try {
    const timeOf = async (path, n, body) => {
      const t0 = process.hrtime.bigint();
      const res = await mf.dispatchFetch(`http://identity${path}?n=${n}`, body ? { method: "POST", body } : {});
      await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      return Number(process.hrtime.bigint() - t0) / 1e9;
    };
    const rate = async (path, n, body) => {
      await timeOf(path, 0, body); // setup and warm-up
      await timeOf(path, Math.min(n, 200), body);
      const runs = [];
      for (let r = 0; r < 3; r++) runs.push(perSecond(n, await timeOf(path, n, body), await timeOf(path, 0, body)));
      return median(runs);
    };
    const scale = quick ? 0.25 : 1;
    return [
      { what: "JWT-SVID verify, uncached (signature checked every time)", perSecond: await rate("/verify-cold", 4000 * scale) },
      { what: "JWT-SVID verify, cached (verified-token cache hit)", perSecond: await rate("/verify-cached", 200_000 * scale) },
      { what: "JWT-SVID sign (ES256, WebCrypto)", perSecond: await rate("/sign", 4000 * scale) },
      { what: "CSR -> X.509-SVID (parse, verify CSR, sign leaf)", perSecond: await rate("/csr", 500 * scale, csrPem) },
    ];
  } finally {
    await mf.dispose();
  }
}

/**
 * JWT-SVIDs issued/s and CSRs signed/s through the control plane's REST API, 8 in flight. Each
 * call makes its own identity: the identity and writepath sections both measure on one mesh.
 */
export async function measureCaThroughRest(mesh, { quick }) {
  const created = await mesh.api("/v1/identities", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ namespace: "bench-ca", serviceAccount: `client-${crypto.randomUUID().slice(0, 8)}` }) });
  const { joinToken, spiffeId } = await created.json();
  if (!joinToken) throw new Error(`POST /v1/identities: ${created.status}`);
  const csrPem = opensslCsr(spiffeId);
  const call = async (path, init) => {
    const res = await fetch(new URL(path, mesh.urls.control), { method: "POST", ...init, headers: { authorization: `Bearer ${joinToken}`, ...init.headers } });
    await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
  };
  const jwt = () => call("/v1/svids/jwt", { headers: { "content-type": "application/json" }, body: JSON.stringify({ audience: `spiffe://${TD}/ns/bench-mesh/sa/echo` }) });
  const x509 = () => call("/v1/svids/x509", { headers: { "content-type": "application/pkcs10" }, body: csrPem });
  const rateOf = async (one, total) => {
    for (let i = 0; i < 20; i++) await one();
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next++ < total) await one();
    }));
    return total / ((performance.now() - t0) / 1000);
  };
  return [
    { what: "JWT-SVID issue, POST /v1/svids/jwt (CA Durable Object, 8 in flight)", perSecond: await rateOf(jwt, quick ? 300 : 2000) },
    { what: "CSR signing, POST /v1/svids/x509 (CA Durable Object, 8 in flight)", perSecond: await rateOf(x509, quick ? 60 : 400) },
  ];
}

export async function measureIdentity(mesh, buildDir, options) {
  return [...(await inIsolate(buildDir, options)), ...(await measureCaThroughRest(mesh, options))];
}
