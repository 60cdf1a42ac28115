// REST routes of the mesh CA: identities and join tokens (admin), SVID issuance (join
// token), CA state and rotation, and the public trust bundle / JWKS / OIDC discovery.
import { Hono } from "hono";
import { z } from "zod";
import type { CertificateAuthority } from "../certificate-authority";
import {
  caInfoSchema,
  createIdentitySchema,
  identitySchema,
  joinTokenResultSchema,
  joinTokenSchema,
  jwtSvidRequestSchema,
  jwtSvidResultSchema,
  operatorIntermediateSchema,
  operatorRootSchema,
  rotateSchema,
} from "../api";
import { servingCertificateResultSchema, servingCertificateSchema } from "../serving-certificate";
import { spiffeBundleSchema, type SpiffeBundleDocument } from "../../../identity/trust-bundle-schema";
import { JSON_CONTENT_TYPES, parseJsonBody, readBytes, readText, type BodyRefusals } from "../../http/body.ts";
import { meshControl, type ControlEnv, type Env } from "../../env.ts";
import { PayloadTooLargeError, UnsupportedMediaTypeError, unwrap } from "../../http/errors.ts";
import { oidcDiscovery } from "./oidc-discovery.ts";
import type { Operation } from "../../http/openapi/operation.ts";
import { mount, type Route } from "../../http/route.ts";
import { errorBody } from "../../http/schemas.ts";

/** The one CA instance of the mesh. */
export function certificateAuthority(env: Env): DurableObjectStub<CertificateAuthority> {
  const ns = env.CA as unknown as DurableObjectNamespace<CertificateAuthority>;
  return ns.get(ns.idFromName("mesh"));
}

const CSR_CONTENT_TYPES = ["application/pkcs10", "text/plain", "application/x-pem-file"] as const;
const CSR_LIMIT = 16 * 1024;
const PEM_CHAIN = "application/pem-certificate-chain";

async function jsonBody(request: Request, optional = false): Promise<unknown> {
  if (optional && (request.body === null || request.headers.get("content-length") === "0")) return {};
  return parseJsonBody(await readText(request, JSON_CONTENT_TYPES, 256 * 1024));
}

function joinToken(request: Request): string {
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
}

// The CSR route's refusals name the media type alone and "a CSR", as they always have.
const CSR_REFUSALS: BodyRefusals = {
  unsupported: (_contentType, mediaType, accepted) => new UnsupportedMediaTypeError(mediaType, accepted),
  tooLarge: (limit) => new PayloadTooLargeError(limit, `a CSR is at most ${limit} bytes`),
};

const nsSa = "/v1/identities/{namespace}/{serviceAccount}";
const err = (description: string) => ({ description, schema: errorBody });

const routes: Route[] = [
  {
    method: "get",
    path: "/v1/ca",
    summary: "CA state: trust domain, roots and intermediates with expiry, JWT key ids and rotation, bundle sequence, findings.",
    tag: "ca",
    role: "viewer",
    responses: { 200: { description: "CA state", schema: caInfoSchema }, 401: err("No valid token") },
    async handle(c) {
      return c.json(unwrap(await certificateAuthority(c.env).info()));
    },
  },
  {
    method: "post",
    path: "/v1/ca/bootstrap",
    summary: "Generates the root and JWT signing key if the CA has none yet (it also bootstraps on first use).",
    tag: "ca",
    role: "admin",
    responses: { 200: { description: "Already bootstrapped", schema: caInfoSchema }, 201: { description: "Bootstrapped now", schema: caInfoSchema } },
    async handle(c) {
      const { created, ca } = unwrap(await certificateAuthority(c.env).bootstrap());
      return c.json(ca, created ? 201 : 200);
    },
  },
  {
    method: "post",
    path: "/v1/ca/rotate",
    summary: "Rotates the JWT signing key or the root now; the old one stays in the trust bundle until what it signed has expired.",
    tag: "ca",
    role: "admin",
    body: { contentTypes: JSON_CONTENT_TYPES, schema: rotateSchema },
    responses: { 200: { description: "CA state after rotation", schema: caInfoSchema }, 400: err("Bad request") },
    async handle(c) {
      return c.json(unwrap(await certificateAuthority(c.env).rotate(await jsonBody(c.req.raw))));
    },
  },
  {
    method: "put",
    path: "/v1/ca/root",
    summary: "Installs an operator root CA (PEM certificate + PKCS#8 key) as the issuing authority; the previous root overlaps until its leaves expire.",
    tag: "ca",
    role: "admin",
    body: { contentTypes: JSON_CONTENT_TYPES, schema: operatorRootSchema },
    responses: { 200: { description: "CA state", schema: caInfoSchema }, 400: err("Unusable CA material"), 409: err("Already installed") },
    async handle(c) {
      return c.json(unwrap(await certificateAuthority(c.env).installRoot(await jsonBody(c.req.raw))));
    },
  },
  {
    method: "post",
    path: "/v1/ca/intermediate",
    summary: "Installs an operator intermediate CA (certificate, PKCS#8 key, and the root it chains to), like Istio's cacerts.",
    tag: "ca",
    role: "admin",
    body: { contentTypes: JSON_CONTENT_TYPES, schema: operatorIntermediateSchema },
    responses: { 200: { description: "CA state", schema: caInfoSchema }, 400: err("Unusable CA material"), 409: err("Already installed") },
    async handle(c) {
      return c.json(unwrap(await certificateAuthority(c.env).installIntermediate(await jsonBody(c.req.raw))));
    },
  },
  {
    method: "post",
    path: "/v1/identities",
    summary: "Creates a workload identity spiffe://<td>/ns/<namespace>/sa/<serviceAccount> and returns its join token (shown once).",
    tag: "ca",
    role: "admin",
    body: { contentTypes: JSON_CONTENT_TYPES, schema: createIdentitySchema },
    responses: { 201: { description: "Identity and join token", schema: joinTokenResultSchema }, 400: err("Bad request"), 409: err("Exists") },
    async handle(c) {
      return c.json(unwrap(await certificateAuthority(c.env).createIdentity(await jsonBody(c.req.raw))), 201);
    },
  },
  {
    method: "get",
    path: "/v1/identities",
    summary: "Workload identities (never their join tokens).",
    tag: "ca",
    role: "viewer",
    responses: { 200: { description: "Identities", schema: z.object({ items: z.array(identitySchema) }) } },
    async handle(c) {
      return c.json({ items: unwrap(await certificateAuthority(c.env).listIdentities()) });
    },
  },
  {
    method: "get",
    path: nsSa,
    summary: "One workload identity.",
    tag: "ca",
    role: "viewer",
    responses: { 200: { description: "Identity", schema: identitySchema }, 404: err("No such identity") },
    async handle(c) {
      return c.json(unwrap(await certificateAuthority(c.env).getIdentity(c.req.param("namespace")!, c.req.param("serviceAccount")!)));
    },
  },
  ...(["delete", "post"] as const).map(
    (method): Route => ({
      method,
      path: method === "delete" ? nsSa : `${nsSa}/revoke`,
      summary: "Revokes an identity: issuance stops at once and the trust bundle lists it, so its JWT-SVIDs stop verifying within one bundle refresh.",
      tag: "ca",
      role: "admin",
      responses: { 200: { description: "Revoked identity", schema: identitySchema }, 404: err("No such identity") },
      async handle(c) {
        const ca = certificateAuthority(c.env);
        const revoked = unwrap(await ca.revokeIdentity(c.req.param("namespace")!, c.req.param("serviceAccount")!));
        // The data plane learns of revocations from the snapshot as well as the bundle.
        await meshControl(c.env).setRevokedIdentities(await ca.revokedIdentities());
        return c.json(revoked);
      },
    }),
  ),
  {
    method: "post",
    path: `${nsSa}/join-tokens`,
    summary: "Issues another join token for an identity (shown once).",
    tag: "ca",
    role: "admin",
    body: { contentTypes: JSON_CONTENT_TYPES, schema: joinTokenSchema },
    responses: { 201: { description: "Join token", schema: joinTokenResultSchema }, 404: err("No such identity"), 409: err("Identity revoked") },
    async handle(c) {
      const body = await jsonBody(c.req.raw, true);
      return c.json(unwrap(await certificateAuthority(c.env).createJoinToken(c.req.param("namespace")!, c.req.param("serviceAccount")!, body)), 201);
    },
  },
  {
    method: "post",
    path: "/v1/svids/jwt",
    summary: "Exchanges a join token (Authorization: Bearer) for a JWT-SVID: ES256, sub = the workload's SPIFFE ID, aud as asked, short exp.",
    tag: "ca",
    body: { contentTypes: JSON_CONTENT_TYPES, schema: jwtSvidRequestSchema },
    responses: { 200: { description: "JWT-SVID", schema: jwtSvidResultSchema }, 400: err("Bad request"), 401: err("Join token missing or not valid"), 403: err("Identity revoked") },
    async handle(c) {
      const token = joinToken(c.req.raw);
      const body = await jsonBody(c.req.raw);
      return c.json(unwrap(await certificateAuthority(c.env).issueJwtSvid({ kind: "join-token", token }, body)));
    },
  },
  {
    method: "post",
    path: "/v1/svids/x509",
    summary: "Exchanges a join token and a PKCS#10 CSR (PEM or DER) for an X509-SVID chain, leaf first, in PEM.",
    tag: "ca",
    query: { ttlSeconds: { schema: z.string(), description: "Leaf lifetime in seconds (60..604800, default 86400)." } },
    body: { contentTypes: CSR_CONTENT_TYPES, schema: z.string(), description: "PEM PKCS#10 certificate request" },
    responses: {
      200: { description: "PEM chain, leaf first", contentType: PEM_CHAIN },
      400: err("CSR refused (csr_malformed, csr_bad_signature, csr_weak_key, csr_identity_mismatch, csr_invalid_san)"),
      401: err("Join token missing or not valid"),
      403: err("Identity revoked"),
    },
    async handle(c) {
      const token = joinToken(c.req.raw);
      const ttlText = c.req.query("ttlSeconds");
      const ttl = ttlText === undefined ? undefined : Number(ttlText);
      const result = unwrap(await certificateAuthority(c.env).issueX509Svid({ kind: "join-token", token }, await readBytes(c.req.raw, CSR_CONTENT_TYPES, CSR_LIMIT, CSR_REFUSALS), ttl));
      const contentType = (c.req.header("accept") ?? "").includes("text/plain") ? "text/plain; charset=utf-8" : PEM_CHAIN;
      return c.body(result.chain, 200, { "content-type": contentType, "x-isthmus-spiffe-id": result.spiffeId, "x-isthmus-expires-at": result.expiresAt });
    },
  },
  {
    method: "post",
    path: "/v1/ca/serving-certificates",
    summary: "Signs a serving certificate for host names (DNS and IPv4 SANs, serverAuth; not an SVID) for a PEM CSR's key: the local gateway's HTTPS listener uses one.",
    tag: "ca",
    role: "admin",
    body: { contentTypes: JSON_CONTENT_TYPES, schema: servingCertificateSchema },
    responses: { 200: { description: "PEM chain, leaf first", schema: servingCertificateResultSchema }, 400: err("Invalid names or CSR") },
    async handle(c) {
      return c.json(unwrap(await certificateAuthority(c.env).issueServingCertificate(await jsonBody(c.req.raw))));
    },
  },
  ...["/v1/trust-bundle", "/.well-known/spiffe-bundle"].map(
    (path): Route => ({
      method: "get",
      path,
      summary: "The SPIFFE trust bundle (JWKS with spiffe_sequence and spiffe_refresh_hint; x509-svid roots, jwt-svid keys; Isthmus adds trust_domain and revoked).",
      tag: "ca",
      responses: { 200: { description: "SPIFFE bundle", schema: spiffeBundleSchema } },
      async handle(c) {
        const bundle = (await certificateAuthority(c.env).trustBundle()) as SpiffeBundleDocument;
        return c.json(bundle, 200, { "cache-control": `max-age=${Math.min(bundle.spiffe_refresh_hint ?? 60, 60)}` });
      },
    }),
  ),
  {
    method: "get",
    path: "/.well-known/jwks.json",
    summary: "JWT-SVID signing keys as a plain JWKS (use sig, alg ES256), the jwks_uri of the OIDC discovery document.",
    tag: "ca",
    responses: { 200: { description: "JWKS", schema: z.object({ keys: z.array(z.looseObject({ kid: z.string() })) }) } },
    async handle(c) {
      const bundle = (await certificateAuthority(c.env).trustBundle()) as SpiffeBundleDocument;
      const keys = bundle.keys.filter((k) => k.use === "jwt-svid").map(({ kty, crv, x, y, kid }: SpiffeBundleDocument["keys"][number]) => ({ kty, crv, x, y, kid, use: "sig", alg: "ES256" }));
      return c.json({ keys });
    },
  },
  {
    method: "get",
    path: "/.well-known/openid-configuration",
    summary: "Minimal OIDC discovery document pointing at the JWKS, for JWT consumers that expect one.",
    tag: "ca",
    responses: {
      200: { description: "OIDC discovery (issuer and jwks_uri from ISTHMUS_PUBLIC_URL, never from the request)", schema: z.looseObject({ issuer: z.string(), jwks_uri: z.string() }) },
      404: err("ISTHMUS_PUBLIC_URL is not set (oidc_not_configured)"),
    },
    async handle(c) {
      return c.json(oidcDiscovery(c.env.ISTHMUS_PUBLIC_URL));
    },
  },
];

/** The CA routes, mounted by the control API at "/". */
export const caRoutes = new Hono<ControlEnv>();
for (const route of routes) mount(caRoutes, route);

/** The CA operations for /openapi.json. */
export const caOperations: Operation[] = routes.map(({ handle: _handle, ...operation }) => operation);
