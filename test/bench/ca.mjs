// `node test/bench/ca.mjs`: identity costs in workerd. JWT-SVID verify/s without and with
// the verified-token cache, ES256 signing/s, CSR -> X509-SVID signings/s (CPU inside one
// isolate, timed from outside as N operations minus 0), and JWT-SVID issue/s end to end
// through the control API and the CA Durable Object. Prints a markdown table.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Miniflare } from "miniflare";
import { buildWorker, repoRoot } from "../../local/build.mjs";

const build = resolve(repoRoot, ".isthmus/bench");
const identity = await buildWorker("test/bench/workers/identity.ts", `${build}/identity.js`);
const control = await buildWorker("control-api/worker.ts", `${build}/control.js`);
const ADMIN = "bench-admin";
const mf = new Miniflare({
  workers: [
    { name: "identity", modules: true, scriptPath: identity, compatibilityDate: "2026-04-26" },
    {
      name: "control", modules: true, scriptPath: control, compatibilityDate: "2026-04-26",
      durableObjects: {
        MESH_CONTROL: { className: "MeshControl", useSQLite: true },
        CA: { className: "CertificateAuthority", useSQLite: true },
        TELEMETRY: { className: "Telemetry", useSQLite: true },
      },
      bindings: { ISTHMUS_ADMIN_TOKEN: ADMIN, ISTHMUS_TRUST_DOMAIN: "bench.local", ISTHMUS_CA_WRAPPING_KEY: "bench-wrapping-secret-0123456789abcdef" },
    },
  ],
});

const dir = mkdtempSync(join(tmpdir(), "isthmus-bench-ca-"));
execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, "k.pem"), "-subj", "/O=x", "-addext", "subjectAltName=URI:spiffe://bench.local/ns/default/sa/productpage", "-out", join(dir, "c.csr")], { stdio: "ignore" });
const csrPem = readFileSync(join(dir, "c.csr"), "utf8");

try {
  await mf.ready;
  const worker = await mf.getWorker("identity");
  const timeOf = async (path, n, body) => {
    const t0 = process.hrtime.bigint();
    const res = await worker.fetch(`http://identity${path}?n=${n}`, body ? { method: "POST", body } : {});
    await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const rate = async (path, n, body) => {
    await timeOf(path, 0, body); // setup and warm-up
    await timeOf(path, Math.min(n, 200), body);
    const runs = [];
    for (let r = 0; r < 3; r++) runs.push(n / ((await timeOf(path, n, body)) - (await timeOf(path, 0, body))));
    runs.sort((a, b) => a - b);
    return runs[1];
  };
  const rows = [
    ["JWT-SVID verify, cold (signature checked every time)", await rate("/verify-cold", 4000)],
    ["JWT-SVID verify, cached (verified-token cache hit)", await rate("/verify-cached", 200000)],
    ["JWT-SVID sign (ES256, WebCrypto)", await rate("/sign", 4000)],
    ["CSR -> X509-SVID (parse, verify CSR, sign leaf)", await rate("/csr", 500, csrPem)],
  ];

  // End to end: REST issue through the CA Durable Object, 8 requests in flight.
  const ctl = await mf.getWorker("control");
  const created = await (await ctl.fetch("http://control/v1/identities", { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify({ namespace: "default", serviceAccount: "productpage" }) })).json();
  const issue = async () => {
    const res = await ctl.fetch("http://control/v1/svids/jwt", { method: "POST", headers: { authorization: `Bearer ${created.joinToken}`, "content-type": "application/json" }, body: JSON.stringify({ audience: "spiffe://bench.local/ns/default/sa/reviews" }) });
    await res.text();
    if (res.status !== 200) throw new Error(`issue: ${res.status}`);
  };
  for (let i = 0; i < 50; i++) await issue();
  const total = 2000;
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 8 }, async () => { while (next++ < total) await issue(); }));
  rows.push(["JWT-SVID issue via POST /v1/svids/jwt (CA DO, 8 in flight, client-timed)", total / (Number(process.hrtime.bigint() - t0) / 1e9)]);

  console.log("| operation (workerd, one isolate) | per second |\n|---|---|");
  for (const [what, perSecond] of rows) console.log(`| ${what} | ${Math.round(perSecond).toLocaleString("en-US")} |`);
} finally {
  await mf.dispose();
}
