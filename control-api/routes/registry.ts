import { z } from "zod";
import { readJson } from "../body.ts";
import { meshControl } from "../env.ts";
import { unwrap } from "../outcome.ts";
import type { Route } from "../route.ts";
import { endpointList, endpointRecord, endpointRegistration, errorBody } from "../schemas.ts";

const writers = { role: "editor", alsoAllow: ["dataplane"] } as const;
const errors = {
  401: { description: "No valid token", schema: errorBody },
  403: { description: "Role too low", schema: errorBody },
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
      "and turns unhealthy when no heartbeat comes within ttlSeconds.",
    tag: "registry",
    ...writers,
    body: { contentTypes: ["application/json"], schema: endpointRegistration },
    responses: { 201: { description: "Registered", schema: endpointRecord }, 400: { description: "Bad request", schema: errorBody }, ...errors },
    async handle(c) {
      const registration = await readJson(c.req.raw, endpointRegistration);
      return c.json(await meshControl(c.env).registerEndpoint(registration), 201);
    },
  },
  {
    method: "post",
    path: "/v1/registry/endpoints/{id}/heartbeat",
    summary: "Keep an endpoint healthy.",
    tag: "registry",
    ...writers,
    responses: { 200: { description: "The endpoint", schema: endpointRecord }, ...notFound, ...errors },
    async handle(c) {
      return c.json(unwrap(await meshControl(c.env).heartbeat(c.req.param("id")!)));
    },
  },
  {
    method: "delete",
    path: "/v1/registry/endpoints/{id}",
    summary: "Deregister an endpoint.",
    tag: "registry",
    ...writers,
    responses: { 200: { description: "The removed endpoint", schema: endpointRecord }, ...notFound, ...errors },
    async handle(c) {
      return c.json(unwrap(await meshControl(c.env).deregister(c.req.param("id")!)));
    },
  },
];
