import { sha256Hex } from "../../../contracts/snapshot/canonical-json.ts";
import { actorOf } from "../auth.ts";
import { readJson } from "../body.ts";
import { meshControl } from "../../env.ts";
import { NotFoundError } from "../errors.ts";
import type { Route } from "../route.ts";
import { errorBody, mintedToken, tokenList, tokenRecord, tokenRequest } from "../schemas.ts";

const errors = {
  401: { description: "No valid token", schema: errorBody },
  403: { description: "Not an admin", schema: errorBody },
};

export const tokenRoutes: Route[] = [
  {
    method: "post",
    path: "/v1/tokens",
    summary:
      "Mint an API token with a role; the secret is in this answer only (stored as its SHA-256). A dataplane token is " +
      "bound to one workload identity (namespace and serviceAccount, required for that role): it writes only that " +
      "workload's registry endpoints.",
    tag: "tokens",
    role: "admin",
    body: { contentTypes: ["application/json"], schema: tokenRequest },
    responses: { 201: { description: "The token, shown once", schema: mintedToken }, 400: { description: "Bad request", schema: errorBody }, ...errors },
    async handle(c) {
      const { name, role, namespace, serviceAccount } = await readJson(c.req.raw, tokenRequest);
      const secret = `isth_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
      const record = {
        id: crypto.randomUUID(),
        name,
        role,
        createdAt: new Date().toISOString(),
        createdBy: actorOf(c.var.principal),
        ...(namespace !== undefined && serviceAccount !== undefined ? { namespace, serviceAccount } : {}),
      };
      await meshControl(c.env).storeToken(record, await sha256Hex(secret));
      return c.json({ ...record, token: secret }, 201);
    },
  },
  {
    method: "get",
    path: "/v1/tokens",
    summary: "List API tokens (never their secrets).",
    tag: "tokens",
    role: "admin",
    responses: { 200: { description: "Tokens", schema: tokenList }, ...errors },
    async handle(c) {
      return c.json({ items: await meshControl(c.env).tokens() });
    },
  },
  {
    method: "delete",
    path: "/v1/tokens/{id}",
    summary: "Revoke an API token at once.",
    tag: "tokens",
    role: "admin",
    responses: { 200: { description: "Revoked", schema: tokenRecord.pick({ id: true }) }, 404: { description: "No such token", schema: errorBody }, ...errors },
    async handle(c) {
      const id = c.req.param("id")!;
      if (!(await meshControl(c.env).revokeToken(id))) throw new NotFoundError(`token ${id} does not exist`);
      return c.json({ id });
    },
  },
];

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
