// The local gateway's HTTPS listener. workerd (through Miniflare) cannot terminate TLS for
// a Worker, let alone verify client certificates, so a Node `https` server does what
// Cloudflare's edge does in front of the deployed gateway: it terminates TLS with the
// certificate a Gateway server names (its credentialName, see local/credentials.mjs) or
// one the mesh CA signs for the requested host, verifies a client certificate against the
// credential's CA (else the mesh roots), and hands the request to the gateway Worker with
// `request.cf.tlsClientAuth` filled from that verification only.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { Headers } from "./miniflare.mjs";
import { X509Certificate, webcrypto } from "node:crypto";
import { createServer } from "node:https";
import { createServer as createTcpServer } from "node:net";
import { serverNameOf } from "./client-hello.mjs";
import { gatewayCredentials } from "./gateway-credentials.mjs";

// Node's global `crypto` is its webcrypto (typed here by the WebCrypto declarations x509 takes).
x509.cryptoProvider.set(crypto);

// How long a looked-up Gateway list, trust bundle, credential or TLS context is reused.
const CACHE_MS = 1_000;
const LOCAL_NAMES = ["localhost"];

/**
 * @typedef {object} GatewayTlsOptions
 * @property {import("miniflare").Miniflare} mf
 * @property {string} gatewayWorker  the gateway Worker's name
 * @property {string} controlUrl
 * @property {string} adminToken
 * @property {string} stateDir
 * @property {string} [host]  default 127.0.0.1
 * @property {number} [port]  default 8443; 0 picks a free port
 */

/**
 * Start the HTTPS listener (the mesh CA must be bootstrapped). Resolves once it listens, with
 * `issuerDn`, the mesh CA's issuing DN as the gateway's ISTHMUS_CLIENT_CA_ISSUER_DN wants it,
 * and `roots`, the mesh roots' PEM for clients' `--cacert`.
 * @param {GatewayTlsOptions} options
 * @returns {Promise<{ url: string, issuerDn: string, roots: string, close: () => Promise<void> }>}
 */
export async function startGatewayTls(options) {
  const host = options.host ?? "127.0.0.1";
  /** @param {string} path @param {{ method?: string, headers?: Record<string, string>, body?: string }} [init] */
  const api = async (path, init = {}) => {
    const res = await fetch(new URL(path, options.controlUrl), { ...init, headers: { authorization: `Bearer ${options.adminToken}`, ...init.headers } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const key = await servingKey();
  const cached = cache();
  const credentials = gatewayCredentials(options.stateDir);
  const roots = () => cached("roots", async () => meshRoots(await api("/v1/trust-bundle")));
  const servers = () => cached("servers", async () => httpsServers((await api("/v1/gateways")).items ?? []));
  const meshCertificate = (/** @type {string[]} */ names) =>
    cached(`cert:${names.join(",")}`, async () => {
      const dnsNames = names.filter((n) => !/^[0-9.]+$/.test(n));
      const ipAddresses = names.filter((n) => /^[0-9.]+$/.test(n));
      const body = { csr: key.csrPem, dnsNames, ipAddresses };
      return (await api("/v1/ca/serving-certificates", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).chain;
    }, 3_600_000);

  // The TLS settings of a host: the credential its Gateway server names, else a mesh-CA certificate for it.
  const tlsFor = async (/** @type {string | undefined} */ servername) => {
    const name = servername?.toLowerCase();
    const server = name ? (await servers()).find((s) => s.hosts.some((h) => hostMatches(h, name))) : undefined;
    const clientCas = (await roots()).join("\n");
    if (server?.credentialName) {
      const name = server.credentialName;
      const credential = await cached(`credential:${name}`, () => credentials(name));
      if (!credential) throw new Error(`Gateway ${server.gateway} names credential "${server.credentialName}", which is not set: isthmus credential set ${server.credentialName} --cert FILE --key FILE [--ca FILE]`);
      return { id: `credential:${server.credentialName}:${credential.stamp}:${credential.ca ? "" : clientCas}`, key: credential.key, cert: credential.cert, ca: credential.ca ?? clientCas };
    }
    // Only hosts a Gateway's HTTPS server lists get a certificate of their own.
    const names = server && name ? [name] : [...LOCAL_NAMES, host];
    const cert = await meshCertificate(names);
    return { id: `mesh:${names.join(",")}:${cert}:${clientCas}`, key: key.keyPem, cert, ca: clientCas };
  };
  // One TLS server (never listening) per certificate and client CA: OpenSSL then verifies a
  // client certificate against exactly the CA of the host it asked for. (An SNICallback
  // context would lend its certificate but not its CA store, and keep the default's
  // certificate of another key type beside it.)
  // Kept per host name, replaced when its certificate or CA changes (the mesh certificate is
  // re-issued hourly): the map holds one server per host, not one per certificate ever served.
  /** @type {Map<string, { id: string, server: import("node:https").Server }>} */
  const tlsServers = new Map();
  const tlsServerFor = async (/** @type {string | undefined} */ servername) => {
    const settings = await tlsFor(servername);
    const host = servername ?? "";
    const held = tlsServers.get(host);
    if (held?.id === settings.id) return held.server;
    // Every certificate is asked for and verified; whether one is required is the Gateway server's tls.mode, decided by the gateway Worker.
    const server = createServer({ key: settings.key, cert: settings.cert, ca: settings.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => forward(options.mf, options.gatewayWorker, /** @type {TlsRequest} */ (req), res));
    tlsServers.set(host, { id: settings.id, server });
    return server;
  };

  const defaultTls = await tlsFor(undefined);
  // Open connections end with the listener (keep-alive clients would otherwise hold close up).
  /** @type {Set<import("node:net").Socket>} */
  const open = new Set();
  const listener = createTcpServer((socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    handOver(socket, tlsServerFor).catch((error) => {
      console.error(`gateway TLS: ${error.message}`);
      socket.destroy();
    });
  });
  await new Promise((/** @type {(value?: void) => void} */ resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port ?? 8443, host, resolve);
  });
  return {
    url: `https://${host}:${/** @type {import("node:net").AddressInfo} */ (listener.address()).port}`,
    // The authority signing now issues the mesh's X509-SVIDs too: its DN pins client identities.
    issuerDn: rfc2253(new X509Certificate(defaultTls.cert).issuer),
    roots: `${(await roots()).join("\n")}\n`,
    close: () =>
      new Promise((/** @type {(value?: void) => void} */ resolve) => {
        listener.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}

/**
 * What the TLS handshake verified about the client's certificate, in the form Cloudflare
 * gives `request.cf.tlsClientAuth` (strings; DNs in RFC 2253 order).
 * @param {import("node:tls").TLSSocket} socket
 */
export function tlsClientAuthOf(socket) {
  const peer = socket.getPeerX509Certificate?.();
  if (!peer) return { certPresented: "0", certVerified: "NONE", certRevoked: "0", certIssuerDN: "", certSubjectDN: "", certFingerprintSHA256: "" };
  const error = /** @type {Error & { code?: string } | string | undefined} */ (socket.authorizationError);
  return {
    certPresented: "1",
    certVerified: socket.authorized ? "SUCCESS" : `FAILED:${typeof error === "string" ? error : (error?.code ?? error?.message ?? "unverified")}`,
    certRevoked: "0",
    certIssuerDN: rfc2253(peer.issuer),
    certSubjectDN: rfc2253(peer.subject),
    certIssuerDNRFC2253: rfc2253(peer.issuer),
    certSubjectDNRFC2253: rfc2253(peer.subject),
    certIssuerDNLegacy: legacy(peer.issuer),
    certSubjectDNLegacy: legacy(peer.subject),
    certSerial: peer.serialNumber,
    certFingerprintSHA1: peer.fingerprint.replace(/:/g, "").toLowerCase(),
    certFingerprintSHA256: peer.fingerprint256.replace(/:/g, "").toLowerCase(),
    certNotBefore: peer.validFrom,
    certNotAfter: peer.validTo,
  };
}

/**
 * A DN as Node prints it (one attribute a line, in certificate order) in RFC 2253 form: reversed, comma-joined.
 * @param {string} printed
 */
export function rfc2253(printed) {
  return printed.split("\n").filter(Boolean).reverse().join(",");
}

/** @param {string} printed */
function legacy(printed) {
  return `/${printed.split("\n").filter(Boolean).join("/")}`;
}

// The request as the gateway Worker would get it behind Cloudflare: https URL, the client's
// address, cf.tlsClientAuth from this socket. Miniflare's own control headers (mf-*) from
// the client are dropped, so no header can stand in for the TLS facts.
/** @typedef {import("node:http").IncomingMessage & { socket: import("node:tls").TLSSocket }} TlsRequest */
/**
 * @param {import("miniflare").Miniflare} mf @param {string} gatewayWorker
 * @param {TlsRequest} req @param {import("node:http").ServerResponse} res
 */
async function forward(mf, gatewayWorker, req, res) {
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith("mf-") || name.startsWith(":") || name === "host" || value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
    }
    headers.set("mf-route-override", gatewayWorker);
    headers.set("cf-connecting-ip", req.socket.remoteAddress ?? "127.0.0.1");
    /** @type {Buffer[]} */
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const authority = req.headers.host ?? req.socket.servername ?? req.socket.localAddress;
    const response = await mf.dispatchFetch(`https://${authority}${req.url}`, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
      redirect: "manual",
      // @ts-expect-error Node's TLS socket has no certIssuerSerial, certSKI or certIssuerSKI: the gateway gets the fields it can fill.
      cf: { tlsClientAuth: tlsClientAuthOf(req.socket) },
    });
    /** @type {Record<string, string | string[]>} */
    const out = {};
    for (const [name, value] of response.headers) {
      if (name === "set-cookie" || name === "content-length" || name === "mf-content-encoding" || name === "transfer-encoding") continue;
      out[name] = value;
    }
    const cookies = response.headers.getSetCookie();
    if (cookies.length) out["set-cookie"] = cookies;
    res.writeHead(response.status, out);
    if (response.body) for await (const chunk of response.body) res.write(chunk);
    res.end();
  } catch (error) {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "gateway_unreachable", message: String(/** @type {Error | undefined} */ (error)?.message ?? error) } }));
  }
}

// Reads the ClientHello's server name, puts the bytes back, and hands the connection to that host's TLS server.
/**
 * @param {import("node:net").Socket} socket
 * @param {(servername: string | undefined) => Promise<import("node:https").Server>} tlsServerFor
 */
async function handOver(socket, tlsServerFor) {
  let bytes = Buffer.alloc(0);
  /** @type {string | undefined} */
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {((chunk: Buffer) => void) | undefined} */
  let onData;
  /** @type {string | undefined} */
  const servername = await new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error("no ClientHello within 10 s")), 10_000);
    onData = (/** @type {Buffer} */ chunk) => {
      bytes = Buffer.concat([bytes, chunk]);
      const hello = serverNameOf(bytes);
      if (hello.state === "incomplete") return;
      socket.pause();
      resolve(hello.servername);
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.once("end", () => reject(new Error("connection closed before the ClientHello")));
  }).finally(() => {
    // Also when the connection failed first: no timer or listener outlives the handshake.
    clearTimeout(timer);
    if (onData) socket.off("data", onData);
  });
  const server = await tlsServerFor(servername);
  socket.removeAllListeners("error");
  socket.removeAllListeners("end");
  socket.unshift(bytes);
  server.emit("connection", socket);
}

// One key for every mesh-CA serving certificate of this listener, with the CSR that carries it.
async function servingKey() {
  const keys = await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: "CN=isthmus-gateway", keys, signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
  return { csrPem: csr.toString("pem"), keyPem: `-----BEGIN PRIVATE KEY-----\n${/** @type {RegExpMatchArray} */ (pkcs8.match(/.{1,64}/g)).join("\n")}\n-----END PRIVATE KEY-----\n` };
}

/** @param {{ keys?: { use?: string, x5c?: string[] }[] }} bundle */
function meshRoots(bundle) {
  const roots = (bundle.keys ?? []).flatMap((k) => (k.use === "x509-svid" && k.x5c?.length ? [k.x5c[0]] : [])).map((der) => `-----BEGIN CERTIFICATE-----\n${/** @type {RegExpMatchArray} */ (der.match(/.{1,64}/g)).join("\n")}\n-----END CERTIFICATE-----`);
  if (roots.length === 0) throw new Error("the mesh CA has no X.509 root yet (is it bootstrapped?)");
  return roots;
}

// The HTTPS servers of every Gateway (Istio servers on 443/8443; Gateway API HTTPS listeners), with their hosts' host parts.
/**
 * @param {any[]} gateways  Gateway resources as the control API lists them
 * @returns {GatewayServer[]}
 */
function httpsServers(gateways) {
  /** @type {GatewayServer[]} */
  const found = [];
  for (const g of gateways) {
    const gateway = `${g.metadata?.namespace ?? "default"}/${g.metadata?.name}`;
    for (const s of g.spec?.servers ?? []) {
      if (![443, 8443].includes(s.port?.number)) continue;
      found.push({ gateway, hosts: s.hosts.map((/** @type {string} */ h) => (h.includes("/") ? h.slice(h.indexOf("/") + 1) : h)), credentialName: s.tls?.credentialName });
    }
    for (const l of g.spec?.listeners ?? []) {
      if (l.protocol !== "HTTPS") continue;
      found.push({ gateway, hosts: [l.hostname ?? "*"], credentialName: l.tls?.certificateRefs?.[0]?.name });
    }
  }
  // Exact hosts before wildcards, as Istio picks the most specific server for an SNI name.
  return found.sort((a, b) => specificity(b) - specificity(a));
}

/** @typedef {{ gateway: string, hosts: string[], credentialName?: string }} GatewayServer */

/** @param {GatewayServer} server */
function specificity(server) {
  return Math.max(...server.hosts.map((h) => (h === "*" ? 0 : h.startsWith("*.") ? 1 : 2)));
}

// Istio's host match for one SNI name: `*`, `*.example.com` (any deeper name), or the name itself.
/** @param {string} pattern @param {string} name */
function hostMatches(pattern, name) {
  if (pattern === "*") return true;
  if (pattern.startsWith("*.")) return name.endsWith(pattern.slice(1));
  return pattern.toLowerCase() === name;
}

// A small time-bounded memo, one per listener: concurrent misses share one lookup.
function cache() {
  /** @type {Map<string, { value: Promise<unknown>, until: number }>} */
  const entries = new Map();
  /**
   * @template T
   * @param {string} key  names one lookup, so its entry holds a `Promise<T>`
   * @param {() => Promise<T>} load @param {number} [ttl]
   * @returns {Promise<T>}
   */
  const cached = (key, load, ttl = CACHE_MS) => {
    const hit = entries.get(key);
    if (hit && hit.until > Date.now()) return /** @type {Promise<T>} */ (hit.value);
    const value = load();
    entries.set(key, { value, until: Date.now() + ttl });
    value.catch(() => entries.delete(key));
    return value;
  };
  return cached;
}
