import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey as JoseKey, type JWK } from "jose";
import { authenticateEndUser } from "./request-authentication.ts";
import { UnauthenticatedError } from "../traffic/mesh-error.ts";
import { meshOf } from "./test-snapshot.ts";
import { SecurityState } from "./security-state.ts";

const GATEWAY = { namespace: "istio-system", labels: { istio: "ingressgateway" } };
const ISSUER = "https://idp.test";

interface IdpKey {
  kid: string;
  privateKey: JoseKey;
  jwk: JWK;
}

async function idpKey(kid: string, alg: "RS256" | "ES256"): Promise<IdpKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

let keys: IdpKey[] = [];
let fetches = 0;
let server: Server;
let jwksUri = "";

beforeAll(async () => {
  keys = [await idpKey("k1", "RS256")];
  server = createServer((req, res) => {
    fetches++;
    res.setHeader("content-type", "application/json");
    // `/slow` answers after a second, for the JWKS fetch timeout.
    setTimeout(() => res.end(JSON.stringify({ keys: keys.map((k) => k.jwk) })), req.url === "/slow" ? 1_000 : 0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function mesh(rule: string) {
  return meshOf(`apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: istio-system, annotations: { isthmus.io/allow-private-addresses: "true" } }
spec:
  selector:
    matchLabels: { istio: ingressgateway }
  jwtRules:
  - issuer: ${ISSUER}
${rule}`);
}

async function token(key: IdpKey, claims: Record<string, unknown> = {}, alg = key.jwk.alg as string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: "alice", aud: "books", iat: now, exp: now + 300, iss: ISSUER, ...claims }).setProtectedHeader({ alg, kid: key.kid }).sign(key.privateKey);
}

const env = { ISTHMUS_JWKS_MIN_REFETCH_MS: "0" };
const waitUntil = () => undefined;
// One isolate's security state for the whole file: the JWKS cache is shared across its requests.
const security = new SecurityState();

async function outcome(m: ReturnType<typeof mesh>, request: Request) {
  try {
    return await authenticateEndUser(request, m, GATEWAY, env, waitUntil, security);
  } catch (error) {
    if (error instanceof UnauthenticatedError) return error.reason;
    throw error;
  }
}

const bearer = (t: string, url = "http://bookinfo.test/productpage") => new Request(url, { headers: { authorization: `Bearer ${t}` } });

describe("RequestAuthentication (end-user JWT) against a local JWKS endpoint", () => {
  const rule = () => `    jwksUri: ${jwksUri}\n    audiences: [books]\n    outputClaimToHeaders: [{ header: x-user, claim: sub }]\n`;

  it("a valid token yields the request principal iss/sub, strips the token and sets claim headers", async () => {
    const m = mesh(rule());
    const result = await outcome(m, bearer(await token(keys[0]!)));
    if (typeof result === "string") throw new Error(result);
    expect(result.user?.requestPrincipal).toBe(`${ISSUER}/alice`);
    expect(result.request.headers.get("authorization")).toBeNull();
    expect(result.request.headers.get("x-user")).toBe("alice");
  });
  it("no token passes unauthenticated, and a client-set claim header is removed", async () => {
    const result = await outcome(mesh(rule()), new Request("http://bookinfo.test/", { headers: { "x-user": "admin" } }));
    if (typeof result === "string") throw new Error(result);
    expect(result.user).toBeUndefined();
    expect(result.request.headers.get("x-user")).toBeNull();
  });
  it("refuses expired, not yet valid, wrong audience, unknown issuer and tampered tokens", async () => {
    const m = mesh(rule());
    const now = Math.floor(Date.now() / 1000);
    expect(await outcome(m, bearer(await token(keys[0]!, { exp: now - 600 })))).toBe("jwt_expired");
    expect(await outcome(m, bearer(await token(keys[0]!, { nbf: now + 600 })))).toBe("jwt_not_yet_valid");
    expect(await outcome(m, bearer(await token(keys[0]!, { aud: "other" })))).toBe("jwt_wrong_audience");
    expect(await outcome(m, bearer(await token(keys[0]!, { iss: "https://evil.test" })))).toBe("jwt_issuer_unknown");
    const [h, , s] = (await token(keys[0]!)).split(".");
    const payload = Buffer.from(JSON.stringify({ iss: ISSUER, sub: "admin", aud: "books", exp: now + 300 })).toString("base64url");
    expect(await outcome(m, bearer(`${h}.${payload}.${s}`))).toBe("jwt_bad_signature");
    expect(await outcome(m, bearer("not-a-jwt"))).toBe("jwt_malformed");
  });
  it("refuses alg none and HS256 made with the public key as secret", async () => {
    const m = mesh(rule());
    const now = Math.floor(Date.now() / 1000);
    const body = Buffer.from(JSON.stringify({ iss: ISSUER, sub: "alice", aud: "books", exp: now + 300 })).toString("base64url");
    const none = `${Buffer.from(JSON.stringify({ alg: "none", kid: "k1" })).toString("base64url")}.${body}.`;
    expect(await outcome(m, bearer(none))).toMatch(/^jwt_(alg_not_allowed|malformed)$/);
    const hs = await new SignJWT({ iss: ISSUER, sub: "alice", aud: "books", exp: now + 300 })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .sign(new TextEncoder().encode(JSON.stringify(keys[0]!.jwk)));
    expect(await outcome(m, bearer(hs))).toBe("jwt_alg_not_allowed");
  });
  it("picks up the IdP's key rotation on the first token signed with the new key", async () => {
    const m = mesh(rule());
    await outcome(m, bearer(await token(keys[0]!)));
    const before = fetches;
    const next = await idpKey("k2", "ES256");
    keys = [keys[0]!, next];
    const result = await outcome(m, bearer(await token(next)));
    expect(typeof result === "string" ? result : result.user?.requestPrincipal).toBe(`${ISSUER}/alice`);
    expect(fetches).toBe(before + 1);
    keys = [next];
  });
  it("reads tokens from fromHeaders with a prefix and from fromParams, and forwards when asked", async () => {
    const key = keys[0]!;
    const m = mesh(`    jwksUri: ${jwksUri}\n    fromHeaders: [{ name: x-jwt, prefix: "Token " }]\n    fromParams: [tok]\n    forwardOriginalToken: true\n`);
    const viaHeader = await outcome(m, new Request("http://b.test/", { headers: { "x-jwt": `Token ${await token(key)}` } }));
    if (typeof viaHeader === "string") throw new Error(viaHeader);
    expect(viaHeader.user?.requestPrincipal).toBe(`${ISSUER}/alice`);
    expect(viaHeader.request.headers.get("x-jwt")).not.toBeNull();
    const viaParam = await outcome(m, new Request(`http://b.test/?tok=${await token(key)}`));
    if (typeof viaParam === "string") throw new Error(viaParam);
    expect(viaParam.user?.requestPrincipal).toBe(`${ISSUER}/alice`);
    // The default Authorization header is not a location of this rule: such a token is not looked at.
    const ignored = await outcome(m, bearer("garbage"));
    expect(typeof ignored === "string" ? ignored : ignored.user).toBeUndefined();
  });
  it("reads a token from fromCookies and removes that cookie, keeping the others", async () => {
    const key = keys[0]!;
    const m = mesh(`    jwksUri: ${jwksUri}\n    fromCookies: [session]\n`);
    const result = await outcome(m, new Request("http://b.test/", { headers: { cookie: `theme=dark; session=${await token(key)}` } }));
    if (typeof result === "string") throw new Error(result);
    expect(result.user?.requestPrincipal).toBe(`${ISSUER}/alice`);
    expect(result.request.headers.get("cookie")).toBe("theme=dark");
    expect(await outcome(m, new Request("http://b.test/", { headers: { cookie: "session=not-a-jwt" } }))).toBe("jwt_malformed");
    // With fromCookies only, the default Authorization header is not looked at.
    const ignored = await outcome(m, bearer("garbage"));
    expect(typeof ignored === "string" ? ignored : ignored.user).toBeUndefined();
  });

  it("tells the client that the keys are unavailable, never the JWKS URI or why its fetch failed (those are logged)", async () => {
    const uri = jwksUri.replace("/jwks", "/secret-tenant-path").replace(/:\d+\//, ":1/");
    const m = mesh(`    jwksUri: ${uri}\n`);
    const logged: string[] = [];
    const log = console.log;
    console.log = (line: string) => logged.push(line);
    let refused: unknown;
    try {
      await authenticateEndUser(bearer(await token(keys[0]!)), m, GATEWAY, env, waitUntil, security);
    } catch (error) {
      refused = error;
    } finally {
      console.log = log;
    }
    expect(refused).toBeInstanceOf(UnauthenticatedError);
    const error = refused as UnauthenticatedError;
    expect(error.reason).toBe("jwks_unavailable");
    const answer = await error.toResponse().text();
    expect(answer).toContain("signing keys are unavailable");
    for (const leak of ["secret-tenant-path", "127.0.0.1", ":1/", "fetch"]) expect(answer).not.toContain(leak);
    expect(logged.join("\n")).toContain(uri);
  });

  it("gives up a JWKS fetch after the rule's timeout", async () => {
    const m = mesh(`    jwksUri: ${jwksUri.replace("/jwks", "/slow")}\n    timeout: 100ms\n`);
    const started = Date.now();
    expect(await outcome(m, bearer(await token(keys[0]!)))).toBe("jwks_unavailable");
    expect(Date.now() - started).toBeLessThan(800);
  });

  it("verifies against inline jwks, and puts the payload in outputPayloadToHeader", async () => {
    const key = keys[0]!;
    const m = mesh(`    jwks: '${JSON.stringify({ keys: [key.jwk] })}'\n    outputPayloadToHeader: x-jwt-payload\n`);
    const result = await outcome(m, bearer(await token(key)));
    if (typeof result === "string") throw new Error(result);
    expect(JSON.parse(Buffer.from(result.request.headers.get("x-jwt-payload")!, "base64url").toString()).sub).toBe("alice");
  });
});
