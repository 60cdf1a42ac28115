import { z } from "zod";
import { registryWriterOf } from "../../http/auth.ts";
import { readJson } from "../../http/body.ts";
import { meshControl } from "../../env.ts";
import { ForbiddenError, unwrap } from "../../http/errors.ts";
import type { Route } from "../../http/route.ts";
import { endpointList, endpointRecord, endpointRegistration, errorBody } from "../../http/schemas.ts";

const writers = { role: "editor", alsoAllow: ["dataplane"] } as const;
const errors = {
  401: { description: "No valid token", schema: errorBody },
  403: { description: "Role too low", schema: errorBody },
};
const ownWorkload = {
  403: {
    description:
      "Role too low, or a dataplane token writing outside its workload identity: `registry_identity_mismatch` " +
      "(another namespace or service account, or a service that does not run as it), `registry_not_owner` (an endpoint of another workload), " +
      "`registry_private_address` (a dataplane token asking for allowPrivateAddresses)",
    schema: errorBody,
  },
};
const notFound = { 404: { description: "No such endpoint", schema: errorBody } };

export const registryRoutes: Route[] = [
  {
    method: "get",
    path: "/v1/registry/endpoints",
    summary: "Registered endpoints with their health.",
    tag: "registry",
    role: "viewer",
    alsoAllow: ["dataplane"],
    query: {
      namespace: { schema: z.string(), description: "Only this namespace." },
      service: { schema: z.string(), description: "Only this service." },
    },
    responses: { 200: { description: "Endpoints", schema: endpointList }, ...errors },
    async handle(c) {
      const items = await meshControl(c.env).endpoints({ namespace: c.req.query("namespace"), service: c.req.query("service") });
      return c.json({ items });
    },
  },
  {
    method: "post",
    path: "/v1/registry/endpoints",
    summary:
      "Register an endpoint of a service (again: same id, refreshed). It joins the service's ServiceEntry in the snapshot " +
      "and turns unhealthy when no heartbeat comes within ttlSeconds. A dataplane token registers only endpoints of its own " +
      "workload identity: in its namespace, of a service whose ServiceEntry endpoints run as its service account (or named " +
      "like it when they name none); the endpoint records that service account and who registered it.",
    tag: "registry",
    ...writers,
    body: { contentTypes: ["application/json"], schema: endpointRegistration },
    responses: {
      201: { description: "Registered", schema: endpointRecord },
      400: { description: "Bad request", schema: errorBody },
      ...errors,
      ...ownWorkload,
      413: { description: "Body past a size or parser limit", schema: errorBody },
    },
    async handle(c) {
      const { allowPrivateAddresses, ...registration } = await readJson(c.req.raw, endpointRegistration);
      const writer = registryWriterOf(c.var.principal);
      // A data plane's own word cannot open the private-address rule (#14): only editors may.
      if (allowPrivateAddresses && writer.identity) {
        throw new ForbiddenError("a dataplane token may not register private addresses (allowPrivateAddresses)", "registry_private_address");
      }
      return c.json(unwrap(await meshControl(c.env).registerEndpoint(registration, writer)), 201);
    },
  },
  {
    method: "post",
    path: "/v1/registry/endpoints/{id}/heartbeat",
    summary: "Keep an endpoint healthy (a dataplane token: only an endpoint of its own workload identity).",
    tag: "registry",
    ...writers,
    responses: { 200: { description: "The endpoint", schema: endpointRecord }, ...notFound, ...errors, ...ownWorkload },
    async handle(c) {
      return c.json(unwrap(await meshControl(c.env).heartbeat(c.req.param("id")!, registryWriterOf(c.var.principal))));
    },
  },
  {
    method: "delete",
    path: "/v1/registry/endpoints/{id}",
    summary: "Deregister an endpoint (a dataplane token: only an endpoint of its own workload identity).",
    tag: "registry",
    ...writers,
    responses: { 200: { description: "The removed endpoint", schema: endpointRecord }, ...notFound, ...errors, ...ownWorkload },
    async handle(c) {
      return c.json(unwrap(await meshControl(c.env).deregister(c.req.param("id")!, registryWriterOf(c.var.principal))));
    },
  },
];
