import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JwtSvidVerifier } from "../../identity/jwt-svid";
import { parseTrustBundle, x509AuthoritiesPem } from "../../identity/trust-bundle";
import { startCaMesh, type CaMesh } from "../../test/support/ca-mesh";
import type { ErrorAnswer } from "../../test/support/error-answer";
import { opensslCa, opensslCsr, opensslVerify, pemBlocks, scratchDir } from "../../test/support/openssl";

x509.cryptoProvider.set(crypto);

const TD = "example.org";
const ID = `spiffe://${TD}/ns/default/sa/reviews`;
const AUD = `spiffe://${TD}/ns/default/sa/ratings`;
const VARS = {
  ISTHMUS_CA_WRAPPING_KEY: "rotation-test-wrapping-secret-0123456789",
  ISTHMUS_JWT_KEY_ROTATION_SECONDS: "6",
  ISTHMUS_CLOCK_SKEW_SECONDS: "1",
  ISTHMUS_CA_EXPIRY_WARNING_DAYS: "60",
};
const dir = scratchDir();
const persist = join(dir, "state");
let mesh: CaMesh;
let joinToken: string;

beforeAll(async () => {
  mesh = await startCaMesh("ca-rotation", VARS, persist);
  joinToken = (await json("/v1/identities", { namespace: "default", serviceAccount: "reviews" })).joinToken;
});
afterAll(async () => {
  await mesh?.dispose();
});

async function json(path: string, body?: unknown, method = body === undefined ? "GET" : "POST", auth?: string) {
  const res = await mesh.api(path, {
    method,
    ...(auth ? { auth } : {}),
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const out = await res.json();
  return Object.assign(out as any, { _status: res.status });
}

const ca = () => json("/v1/ca");
const bundle = async () => parseTrustBundle(await json("/v1/trust-bundle"), TD);
const jwt = (ttlSeconds = 300) => json("/v1/svids/jwt", { audience: AUD, ttlSeconds }, "POST", joinToken);

async function leaf(name: string, ttlSeconds?: number): Promise<string> {
  const res = await mesh.api(`/v1/svids/x509${ttlSeconds ? `?ttlSeconds=${ttlSeconds}` : ""}`, {
    method: "POST",
    auth: joinToken,
    body: opensslCsr(dir, name, { san: `URI:${ID}` }).csrPem,
    headers: { "content-type": "application/pkcs10" },
  });
  expect(res.status).toBe(200);
  return res.text();
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("JWT signing key rotation", () => {
  it("keeps the old key in the bundle until its last token expires, then drops it", async () => {
    expect((await ca()).keyProtection).toBe("secret");
    expect((await ca()).findings).toEqual([]);
    const early = await jwt(10);
    const kidOf = (t: string) => JSON.parse(atob(t.split(".")[0].replace(/-/g, "+").replace(/_/g, "/"))).kid as string;
    const oldKid = kidOf(early.token);
    const seq = (await bundle()).sequence;

    const rotated = await json("/v1/ca/rotate", { what: "jwt" });
    expect(rotated._status).toBe(200);
    const old = rotated.jwtKeys.find((k: { kid: string }) => k.kid === oldKid);
    expect(old.state).toBe("retiring");
    expect(new Date(old.retireAt).getTime()).toBe(new Date(early.expiresAt).getTime() + 1000);

    const after = await bundle();
    expect(after.sequence).toBe(seq + 1);
    expect(after.jwtAuthorities.map((k) => k.kid)).toContain(oldKid);
    const verifier = new JwtSvidVerifier({ bundle: after });
    await expect(verifier.verify(early.token, AUD)).resolves.toMatchObject({ kid: oldKid });
    const late = await jwt();
    expect(kidOf(late.token)).not.toBe(oldKid);
    await expect(verifier.verify(late.token, AUD)).resolves.toBeTruthy();

    // The alarm removes the old key once every token it signed has expired (+ skew).
    const gone = await until("old key removal", async () => {
      const b = await bundle();
      return b.jwtAuthorities.every((k) => k.kid !== oldKid) && b;
    });
    expect(Date.now()).toBeGreaterThanOrEqual(new Date(early.expiresAt).getTime() + 1000);
    expect(gone.sequence).toBeGreaterThan(after.sequence);
  });

  it("rotates on schedule by the Durable Object alarm", async () => {
    const first = (await ca()).jwtKeys.find((k: { state: string }) => k.state === "active");
    const next = await until("scheduled rotation", async () => {
      const active = (await ca()).jwtKeys.find((k: { state: string }) => k.state === "active");
      return active.kid !== first.kid && active;
    });
    expect(new Date(next.createdAt).getTime() - new Date(first.createdAt).getTime()).toBeGreaterThanOrEqual(6000);
  });
});

describe("root rotation", () => {
  it("keeps old and new roots in the bundle so leaves from both verify during the overlap", async () => {
    await leaf("first-before-rotation");
    // The CA writes a root's last leaf expiry only when it moves later (once a second at
    // most): a later leaf must still move it, a shorter one must not pull it back.
    await new Promise((r) => setTimeout(r, 1100));
    const before = await leaf("before-rotation");
    await leaf("short-before-rotation", 600);
    const rotated = await json("/v1/ca/rotate", { what: "root" });
    const roots = rotated.authorities.filter((a: { role: string }) => a.role === "root");
    expect(roots.map((r: { state: string }) => r.state)).toEqual(["retiring", "active"]);
    const oldLeaf = new x509.X509Certificate(pemBlocks(before)[0]);
    expect(new Date(roots[0].retireAt).getTime()).toBe(oldLeaf.notAfter.getTime() + 1000);

    const after = await leaf("after-rotation");
    const b = await bundle();
    expect(b.x509Authorities).toHaveLength(2);
    const both = x509AuthoritiesPem(b);
    expect(opensslVerify(dir, "old", both, pemBlocks(before)[0]).ok).toBe(true);
    expect(opensslVerify(dir, "new", both, pemBlocks(after)[0]).ok).toBe(true);
    // and the overlap matters: the new root alone does not vouch for the old leaf
    const newRootOnly = x509AuthoritiesPem({ ...b, x509Authorities: [b.x509Authorities[1]] });
    expect(opensslVerify(dir, "old-new", newRootOnly, pemBlocks(before)[0]).ok).toBe(false);
  });
});

describe("operator-supplied CA material", () => {
  it("issues under a plugged-in intermediate; the chain carries it and verifies to the operator root", async () => {
    const P256 = { name: "ECDSA", namedCurve: "P-256" };
    const rootKeys = (await crypto.subtle.generateKey(P256, true, ["sign", "verify"])) as CryptoKeyPair;
    const interKeys = (await crypto.subtle.generateKey(P256, true, ["sign", "verify"])) as CryptoKeyPair;
    const notAfter = new Date(Date.now() + 365 * 86_400_000);
    const caExtensions = async (keys: CryptoKeyPair) => [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ];
    const root = await x509.X509CertificateGenerator.createSelfSigned({ name: "CN=Operator Root, O=Ops", keys: rootKeys, notAfter, extensions: await caExtensions(rootKeys) });
    const inter = await x509.X509CertificateGenerator.create({
      subject: "CN=Operator Intermediate, O=Ops",
      issuer: root.subject,
      publicKey: interKeys.publicKey,
      signingKey: rootKeys.privateKey,
      notAfter,
      extensions: await caExtensions(interKeys),
    });
    const pkcs8 = x509.PemConverter.encode((await crypto.subtle.exportKey("pkcs8", interKeys.privateKey)) as ArrayBuffer, "PRIVATE KEY");

    const notSelfSigned = await json("/v1/ca/root", { certificate: inter.toString("pem"), privateKey: pkcs8 }, "PUT");
    expect([notSelfSigned._status, notSelfSigned.error.code]).toEqual([400, "invalid_ca_material"]);
    expect(notSelfSigned.error.message).toMatch(/not self-signed/);

    const installed = await json("/v1/ca/intermediate", { certificate: inter.toString("pem"), privateKey: pkcs8, rootCertificate: root.toString("pem") });
    expect(installed._status).toBe(200);
    expect(installed.authorities.find((a: { issuing: boolean }) => a.issuing)).toMatchObject({ role: "intermediate", source: "operator" });

    const chain = pemBlocks(await leaf("under-intermediate"));
    expect(chain).toHaveLength(2);
    expect(new x509.X509Certificate(chain[1]).subject).toBe(inter.subject);
    expect(opensslVerify(dir, "inter", root.toString("pem"), chain[0], chain[1]).ok).toBe(true);
    const b = await bundle();
    expect(x509AuthoritiesPem(b)).toContain(root.toString("base64").slice(0, 60));
    expect(opensslVerify(dir, "inter-bundle", x509AuthoritiesPem(b), chain[0], chain[1]).ok).toBe(true);
  });

  it("accepts an openssl root and reports its expiry inside the warning window", async () => {
    const op = opensslCa(dir, "op30"); // valid 30 days, warning window 60 days
    const pkcs8 = execFileSync("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", op.keyFile], { encoding: "utf8" });
    const installed = await json("/v1/ca/root", { certificate: op.certPem, privateKey: pkcs8 }, "PUT");
    expect(installed._status).toBe(200);
    expect(installed.findings).toEqual([expect.objectContaining({ code: "ca_expiring", severity: "warning" })]);
    expect(installed.findings[0].message).toMatch(/expires at .* in 30 days/);
    const chain = pemBlocks(await leaf("op-root"));
    expect(opensslVerify(dir, "op-root", op.certPem, chain[0]).ok).toBe(true);
    expect((await json("/v1/ca/root", { certificate: op.certPem, privateKey: pkcs8 }, "PUT"))._status).toBe(409);
  });
});

describe("keys at rest", () => {
  it("survive a restart under the same wrapping secret and cannot be opened under another", async () => {
    const rootsBefore = (await bundle()).x509Authorities;
    // Issuance counts are written a second after the first issuance, with no read to prompt it.
    const issuedBefore = (await ca()).issued["jwt-svid"];
    expect((await jwt())._status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    await mesh.dispose();
    mesh = await startCaMesh("ca-rotation", VARS, persist);
    expect((await bundle()).x509Authorities).toEqual(rootsBefore);
    expect((await ca()).issued["jwt-svid"]).toBe(issuedBefore + 1);
    expect((await jwt())._status).toBe(200);
    await mesh.dispose();
    mesh = await startCaMesh("ca-rotation", { ...VARS, ISTHMUS_CA_WRAPPING_KEY: "another-secret-entirely-0123456789" }, persist);
    // The issuing CA key (the operator root above) was sealed under the first secret. (The
    // JWT key may already have been replaced by a scheduled rotation under the new one.)
    const refused = await mesh.api("/v1/svids/x509", {
      method: "POST",
      auth: joinToken,
      body: opensslCsr(dir, "after-secret-change", { san: `URI:${ID}` }).csrPem,
      headers: { "content-type": "application/pkcs10" },
    });
    expect(refused.status).toBe(503);
    expect((await refused.json<ErrorAnswer>()).error.code).toBe("ca_key_unwrap_failed");
  });
});
