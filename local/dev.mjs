#!/usr/bin/env node
// `npm start`: the whole mesh on this machine, offline, on workerd.
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { bootstrapMesh, waitFor } from "./bootstrap.mjs";
import { startGatewayTls } from "./gateway-tls.mjs";
import { startLocalMesh } from "./mesh.mjs";
import { keptSecret, newAdminToken, newSecret } from "./secrets.mjs";

// Data-plane settings a user may set for a local run, passed on as Worker vars.
const PASSED_THROUGH = ["ISTHMUS_ACCESS_LOG", "ISTHMUS_ACCESS_LOG_SAMPLING", "ISTHMUS_OTLP_ENDPOINT", "ISTHMUS_TRACE_SAMPLING", "SENTRY_DSN"];

const HELP = `Usage: npm start [-- --help]

Runs the Isthmus control plane, the gateway and the Bookinfo demo on workerd.

Environment:
  ISTHMUS_CONTROL_PORT  control API port (default 8787; 0 picks a free one)
  ISTHMUS_GATEWAY_PORT  gateway port (default 8080; 0 picks a free one)
  ISTHMUS_GATEWAY_TLS_PORT  gateway HTTPS port (default 8443; 0 picks a free one): Gateway
                        servers with tls, certificates from the mesh CA or a credential
                        (isthmus credential set); the mesh root is written to
                        <state dir>/mesh-root.pem for curl --cacert
  ISTHMUS_STATE_DIR     state directory (default .isthmus)
  ISTHMUS_ADMIN_TOKEN   first admin token (default: generated once, kept in the state directory)
  ISTHMUS_CA_WRAPPING_KEY  secret sealing the CA's private keys (default: generated once, kept there too)
  ISTHMUS_REFRESH_MS    how often data-plane Workers revalidate their snapshot
  ${PASSED_THROUGH.join(", ")}
                        passed on to the gateway and every service Worker (e.g.
                        ISTHMUS_ACCESS_LOG=off quiets the access log)

Ctrl-C stops everything; the configuration stays in the state directory.`;

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(HELP);
  process.exit(0);
}

/** @param {string} name @param {number} fallback @returns {number} */
function port(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name} must be a port number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const stateDir = resolve(process.env.ISTHMUS_STATE_DIR || ".isthmus");
const controlPort = port("ISTHMUS_CONTROL_PORT", 8787);
const gatewayPort = port("ISTHMUS_GATEWAY_PORT", 8080);
const gatewayTlsPort = port("ISTHMUS_GATEWAY_TLS_PORT", 8443);
const refreshMs = process.env.ISTHMUS_REFRESH_MS ? Number(process.env.ISTHMUS_REFRESH_MS) : undefined;
const token = await keptSecret(stateDir, "admin-token", process.env.ISTHMUS_ADMIN_TOKEN, newAdminToken);
const wrappingKey = await keptSecret(stateDir, "ca-wrapping-key", process.env.ISTHMUS_CA_WRAPPING_KEY, newSecret);

// The DN of the CA that issues client certificates, pinned on the gateway (kept from the last
// run so that a restart is needed only when it changes: first start, CA rotation).
const issuerDnFile = join(stateDir, "client-ca-issuer-dn");
const keptIssuerDn = (await readFile(issuerDnFile, "utf8").catch(() => "")).trim();

console.log(`Starting the Isthmus local mesh (state in ${stateDir}) ...`);
/** @type {import("./mesh.mjs").LocalMesh} */
let mesh;
try {
  mesh = await startLocalMesh({
    stateDir,
    controlPort,
    gatewayPort,
    adminToken: token.value,
    refreshMs,
    controlVars: { ISTHMUS_CA_WRAPPING_KEY: wrappingKey.value },
    dataPlaneVars: Object.fromEntries(PASSED_THROUGH.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : []))),
    gatewayVars: keptIssuerDn ? { ISTHMUS_CLIENT_CA_ISSUER_DN: keptIssuerDn } : {},
  });
} catch (error) {
  console.error(`Could not start the local mesh: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
const built = Object.keys(mesh.builds).filter((name) => mesh.builds[name] === "built");
console.log(
  built.length
    ? `  - built ${built.join(", ")}; ${mesh.workers.length - built.length} Workers cached`
    : `  - all ${mesh.workers.length} Workers cached (no source changed)`,
);

let stopping = false;
/** @type {Awaited<ReturnType<typeof startGatewayTls>> | undefined} */
let gatewayTls;
/** @param {string} signal */
async function stop(signal) {
  if (stopping) process.exit(130);
  stopping = true;
  console.log(`\n${signal}: stopping the local mesh ...`);
  await gatewayTls?.close().catch((error) => console.error(error));
  await mesh.dispose().catch((error) => console.error(error));
  console.log("Stopped. State kept in", stateDir);
  process.exit(0);
}
// Miniflare's own signal hook kills workerd and exits at once; take the signals over so
// that stopping disposes cleanly (its exit hook still kills workerd if we exit early).
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.removeAllListeners(signal);
  process.on(signal, () => stop(signal));
}

try {
  const { notes } = await bootstrapMesh({ controlUrl: mesh.controlUrl, adminToken: token.value, stateDir });
  for (const note of notes) console.log(`  - ${note}`);
} catch (error) {
  console.error(`Bootstrap failed: ${error instanceof Error ? error.message : error}`);
  await mesh.dispose().catch(() => {});
  process.exit(1);
}

// The printed curl should work the moment it is printed: wait for /readyz.
// Each probe of /readyz reaches every Worker: poll it gently.
const readyz = () => fetch(`${mesh.controlUrl}/readyz`).then((r) => (r.body?.cancel(), r.ok), () => false);
const waitForReady = () => waitFor(readyz, 60_000, "/readyz", 100).then(() => true, () => false);
// Probed while the HTTPS listener starts, and once more after it if the gateway restarts.
let ready = waitForReady();

// HTTPS needs the CA (bootstrapped above): serving certificates and the roots that verify clients.
const rootFile = join(stateDir, "mesh-root.pem");
try {
  gatewayTls = await startGatewayTls({ mf: mesh.mf, gatewayWorker: mesh.gatewayWorker, controlUrl: mesh.controlUrl, adminToken: token.value, stateDir, port: gatewayTlsPort });
  await writeFile(rootFile, gatewayTls.roots);
  if (await mesh.setGatewayVars({ ISTHMUS_CLIENT_CA_ISSUER_DN: gatewayTls.issuerDn })) {
    console.log(`  - gateway set to take client identities from certificates issued by ${gatewayTls.issuerDn}`);
    ready = ready.then(waitForReady);
  }
  await writeFile(issuerDnFile, `${gatewayTls.issuerDn}\n`);
} catch (error) {
  console.error(`Could not start the gateway's HTTPS listener: ${error instanceof Error ? error.message : error}`);
  await gatewayTls?.close().catch(() => {});
  await mesh.dispose().catch(() => {});
  process.exit(1);
}

const isReady = await ready;
if (!isReady) {
  const body = await fetch(`${mesh.controlUrl}/readyz`).then((r) => r.text(), (e) => String(e));
  console.error(`Warning: the mesh is not ready yet: ${body}`);
}
const dashboard = await fetch(`${mesh.controlUrl}/ui`).then((r) => (r.body?.cancel(), r.ok), () => false);

const tokenNote = { env: "from ISTHMUS_ADMIN_TOKEN", stored: `kept in ${token.path}`, generated: `generated, kept in ${token.path}` }[token.source];
console.log(`
Isthmus local mesh is ${isReady ? "running and ready" : "running (not ready yet: see GET /readyz)"}.
  gateway      ${mesh.gatewayUrl}
  gateway TLS  ${gatewayTls.url}  (mesh root: ${rootFile})
  control API  ${mesh.controlUrl}${dashboard ? `\n  dashboard    ${mesh.controlUrl}/ui` : ""}
  admin token  ${token.value}  (${tokenNote})

Try:
  curl ${mesh.gatewayUrl}/productpage
  curl -H "Authorization: Bearer ${token.value}" ${mesh.controlUrl}/v1/namespaces/default/virtualservices

Ctrl-C to stop.`);
