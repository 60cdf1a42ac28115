// Authorization and end-user authentication through real Workers: AuthorizationPolicy at a
// service and at the gateway (principal, namespace, path, method, claim), dry run, policy
// changes within 2 x refresh, RequestAuthentication against a local JWKS endpoint with key
// rotation, and path-normalization bypass attempts against a DENY on /admin.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey as JoseKey, type JWK } from "jose";
import { BASE_CONFIG } from "./config.ts";
import { spiffe, startSecurityMesh, type SecurityMesh } from "./mesh.ts";

const REFRESH_MS = 400;
const ISSUER = "https://idp.test";
let mesh: SecurityMesh;
let idp: Server;
let jwksUri = "";
let idpKeys: { kid: string; privateKey: JoseKey; jwk: JWK }[] = [];

async function idpKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256" } };
}

async function userToken(key = idpKeys[0]!, claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: ISSUER, sub: "alice", aud: "bookstore", iat: now, exp: now + 300, ...claims }).setProtectedHeader({ alg: "RS256", kid: key.kid }).sign(key.privateKey);
}

beforeAll(async () => {
  idpKeys = [await idpKey("idp-1")];
  idp = createServer((_request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ keys: idpKeys.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => idp.listen(0, "127.0.0.1", resolve));
  jwksUri = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks`;
  mesh = await startSecurityMesh({ refreshMs: REFRESH_MS, vars: { ISTHMUS_JWKS_MIN_REFETCH_MS: "0" } });
  await settle(await mesh.apply(BASE_CONFIG));
});
afterAll(async () => {
  await mesh?.dispose();
  await new Promise<void>((resolve) => idp.close(() => resolve()));
});

async function settle(version: number): Promise<void> {
  for (const worker of ["isthmus-gateway", "target-v1", "front-v1"]) await mesh.settle(worker, version);
}

async function json(response: Response): Promise<any> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON (${response.status}): ${text}`);
  }
}

async function invocations(): Promise<number> {
  const response = await mesh.send("target-v1", "/invocations", { headers: { "x-isthmus-svid": await mesh.svid(spiffe("target")) } });
  return (await json(response)).invocations;
}

const edge = (path: string, init: { method?: string; headers?: Record<string, string> } = {}) => mesh.send("isthmus-gateway", path, init);

describe("AuthorizationPolicy at a service", () => {
  afterAll(async () => {
    await mesh.remove("default/authorizationpolicies/target-allow");
    await settle(await mesh.remove("default/authorizationpolicies/target-deny-ns"));
  });

  it("allows and denies by principal, path and method; denies by namespace; 403 names the decision", async () => {
    await settle(
      await mesh.apply(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: target-allow }
spec:
  selector: { matchLabels: { app: target } }
  action: ALLOW
  rules:
  - from: [{ source: { principals: ["cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"] } }]
    to: [{ operation: { methods: ["GET"], paths: ["/public/*", "/ns-check"] } }]
  - from: [{ source: { principals: ["cluster.local/ns/default/sa/test-client"] } }]
    to: [{ operation: { paths: ["/invocations"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: target-deny-ns }
spec:
  selector: { matchLabels: { app: target } }
  action: DENY
  rules:
  - from: [{ source: { namespaces: ["istio-system"] } }]
    to: [{ operation: { paths: ["/ns-check"] } }]
`),
    );
    const before = await invocations();
    expect((await edge("/public/a")).status).toBe(200);
    const post = await edge("/public/a", { method: "POST" });
    expect(post.status).toBe(403);
    expect((await json(post)).error).toMatchObject({ code: "authz_denied", reason: "no_allow_policy_matched", flags: "UAEX" });
    expect((await edge("/private")).status).toBe(403);
    const ns = await json(await edge("/ns-check"));
    expect(ns.error).toMatchObject({ code: "authz_denied", reason: "denied_by_policy:default/target-deny-ns" });
    // front is authenticated, but not allowed by principal.
    const fromFront = await json(await edge("/front/call?url=http://target:9080/public/a"));
    expect(fromFront).toMatchObject({ status: 403, error: "authz_denied" });
    // Only /public/a and the /invocations read ran the handler.
    expect(await invocations()).toBe(before + 2);
  });
});

describe("dry run and propagation", () => {
  it("a dry-run DENY records what it would have decided without enforcing", async () => {
    await settle(
      await mesh.apply(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-all-dry
  annotations: { "istio.io/dry-run": "true" }
spec:
  selector: { matchLabels: { app: target } }
  action: DENY
  rules: [{}]
`),
    );
    const response = await edge("/dry");
    expect(response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const record = mesh.logs.map((line) => (line.includes("authz_dry_run") ? JSON.parse(line) : null)).find((entry) => entry?.policy === "default/deny-all-dry");
    expect(record).toMatchObject({ event: "authz_dry_run", decision: "deny", wouldDeny: true, workload: "default/target" });
    await settle(await mesh.remove("default/authorizationpolicies/deny-all-dry"));
  });

  it(`a policy change through the API is enforced within 2 x refresh (${2 * REFRESH_MS} ms)`, async () => {
    expect((await edge("/timed")).status).toBe(200);
    const applied = Date.now();
    await mesh.apply(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-timed }
spec:
  selector: { matchLabels: { app: target } }
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/timed"] } }] }]
`);
    let took = -1;
    while (Date.now() - applied < 10_000) {
      if ((await edge("/timed")).status === 403) {
        took = Date.now() - applied;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    console.log(`policy change enforced after ${took} ms (refresh ${REFRESH_MS} ms)`);
    expect(took).toBeGreaterThanOrEqual(0);
    expect(took).toBeLessThanOrEqual(2 * REFRESH_MS);
    await settle(await mesh.remove("default/authorizationpolicies/deny-timed"));
  });
});

describe("path normalization against a DENY on /admin", () => {
  const ATTEMPTS = ["/admin", "//admin", "/./admin", "/%61dmin", "/foo/../admin", "/admin%2F", "/admin/", "/%2e/admin", "/admin/x/..", "/\\admin", "/admin?x=1", "/%2fadmin", "/foo/..%2Fadmin"];
  beforeAll(async () => {
    await settle(
      await mesh.apply(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admin }
spec:
  selector: { matchLabels: { app: target } }
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/admin", "/admin/*"] } }] }]
`),
    );
  });
  afterAll(async () => settle(await mesh.remove("default/authorizationpolicies/deny-admin")));

  it("denies every bypass attempt, through the gateway and straight to the service", async () => {
    const before = await invocations();
    const outcomes: string[] = [];
    for (const path of ATTEMPTS) {
      for (const [via, send] of [
        ["gateway", () => edge(path)],
        ["direct", async () => mesh.send("target-v1", path, { headers: { "x-isthmus-svid": await mesh.svid(spiffe("target")) } })],
      ] as const) {
        const response = await send();
        await response.arrayBuffer();
        outcomes.push(`${via} ${path}: ${response.status}`);
        expect([400, 403], `${via} ${path}`).toContain(response.status);
      }
    }
    expect(await invocations()).toBe(before + 1);
    console.log(`path bypass attempts (${ATTEMPTS.length} forms x 2 routes), all denied:\n  ${outcomes.join("\n  ")}`);
    expect((await edge("/administrator")).status).toBe(200);
  });
});

describe("end-user JWT at the gateway (RequestAuthentication with a local JWKS endpoint)", () => {
  beforeAll(async () => {
    await settle(
      await mesh.apply(`apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: edge-jwt, namespace: istio-system, annotations: { isthmus.io/allow-private-addresses: "true" } }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  jwtRules:
  - issuer: ${ISSUER}
    jwksUri: ${jwksUri}
    audiences: [bookstore]
    outputClaimToHeaders: [{ header: x-user, claim: sub }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: edge-users, namespace: istio-system }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  rules:
  - to: [{ operation: { notPaths: ["/members/*", "/admin-area/*"] } }]
  - from: [{ source: { requestPrincipals: ["*"] } }]
    to: [{ operation: { paths: ["/members/*"] } }]
  - to: [{ operation: { paths: ["/admin-area/*"] } }]
    when: [{ key: "request.auth.claims[groups]", values: ["admins"] }]
`),
    );
  });

  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it("a valid token passes; the service gets the claim header, not the token", async () => {
    const response = await edge("/members/home", bearer(await userToken()));
    const body = await json(response);
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.headers["x-user"]).toBe("alice");
    expect(body.headers.authorization).toBeUndefined();
  });

  it("no token passes where no policy requires a request principal, and is denied where one does", async () => {
    expect((await edge("/open", { headers: { "x-user": "forged" } })).status).toBe(200);
    const members = await edge("/members/home");
    expect(members.status).toBe(403);
  });

  it("refuses expired, wrong issuer and wrong audience tokens with 401 and the reason", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string][] = [
      [await userToken(undefined, { exp: now - 600 }), "jwt_expired"],
      [await userToken(undefined, { iss: "https://evil.test" }), "jwt_issuer_unknown"],
      [await userToken(undefined, { aud: "other" }), "jwt_wrong_audience"],
    ];
    for (const [token, reason] of cases) {
      const response = await edge("/open", bearer(token));
      expect(response.status, reason).toBe(401);
      expect((await json(response)).error.reason).toBe(reason);
    }
  });

  it("authorizes by claim", async () => {
    expect((await edge("/admin-area/x", bearer(await userToken(undefined, { groups: ["admins"] })))).status).toBe(200);
    expect((await edge("/admin-area/x", bearer(await userToken(undefined, { groups: ["readers"] })))).status).toBe(403);
  });

  it("follows a key rotation at the IdP", async () => {
    const next = await idpKey("idp-2");
    idpKeys = [idpKeys[0]!, next];
    const response = await edge("/members/home", bearer(await userToken(next)));
    expect(response.status, await response.clone().text()).toBe(200);
    idpKeys = [next];
  });
});
