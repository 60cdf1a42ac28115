// Request and response bodies of the control API, one zod schema each: handlers validate
// with them and /openapi.json is generated from them.
import { z } from "zod";
import { parseEndpointAddress } from "../resources/endpoint-address.ts";
import { KINDS } from "../resources/index.ts";
import { snapshotResourceSchema } from "../snapshot/schema.ts";
import { roleSchema } from "./roles.ts";

const detail = z.object({ path: z.string(), message: z.string() });

export const errorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.array(detail) }) })
  .meta({ id: "Error" });

/** Any mesh resource, as stored (server fields in metadata). */
export const resourceBody = z
  .union(KINDS.map((info) => info.schema) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])
  .meta({ id: "Resource" });

export const resourceList = z.object({ items: z.array(resourceBody) }).meta({ id: "ResourceList" });

const resourceKey = { kind: z.string(), namespace: z.string(), name: z.string() };

export const finding = z
  .object({
    code: z.string(),
    severity: z.enum(["error", "warning"]),
    message: z.string(),
    path: z.string(),
    resource: z.object(resourceKey),
  })
  .meta({ id: "Finding" });

export const applyResult = z
  .object({
    dryRun: z.boolean(),
    revision: z.number().int().nullable(),
    resources: z.array(
      z.object({
        ...resourceKey,
        action: z.enum(["created", "configured", "unchanged"]),
        resourceVersion: z.string().nullable(),
      }),
    ),
    findings: z.array(finding),
  })
  .meta({ id: "ApplyResult" });

export const deleteResult = z
  .object({ revision: z.number().int().nullable(), resource: resourceBody })
  .meta({ id: "DeleteResult" });

export const findingList = z.object({ findings: z.array(finding) }).meta({ id: "Findings" });

const changeAction = z.enum(["created", "configured", "deleted"]);

export const revisionSummary = z
  .object({
    number: z.number().int(),
    createdAt: z.string(),
    actor: z.string(),
    operation: z.enum(["apply", "delete", "rollback"]),
    message: z.string(),
    changes: z.array(z.object({ ...resourceKey, action: changeAction })),
  })
  .meta({ id: "RevisionSummary" });

export const revisionList = z.object({ items: z.array(revisionSummary) }).meta({ id: "RevisionList" });

export const revisionDetail = revisionSummary
  .extend({
    changes: z.array(
      z.object({ ...resourceKey, action: changeAction, before: snapshotResourceSchema.nullable(), after: snapshotResourceSchema.nullable() }),
    ),
  })
  .meta({ id: "Revision" });

const patchOperation = z.object({ op: z.enum(["add", "remove", "replace"]), path: z.string(), value: z.unknown().optional() });

export const revisionDiff = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    changes: z.array(
      z.object({
        ...resourceKey,
        action: z.enum(["added", "removed", "changed"]),
        patch: z.array(patchOperation).optional(),
        before: snapshotResourceSchema.optional(),
        after: snapshotResourceSchema.optional(),
      }),
    ),
  })
  .meta({ id: "RevisionDiff" });

export const rollbackRequest = z.strictObject({ revision: z.number().int().positive() }).meta({ id: "RollbackRequest" });

export const rollbackResult = z
  .object({
    target: z.number().int(),
    revision: z.number().int().nullable(),
    changes: z.array(z.object({ ...resourceKey, action: changeAction })),
  })
  .meta({ id: "RollbackResult" });

export const tokenRequest = z
  .strictObject({ name: z.string().min(1).max(100), role: roleSchema })
  .meta({ id: "TokenRequest" });

export const tokenRecord = z
  .object({ id: z.string(), name: z.string(), role: roleSchema, createdAt: z.string(), createdBy: z.string() })
  .meta({ id: "Token" });

export const mintedToken = tokenRecord
  .extend({ token: z.string().describe("The bearer secret; shown only in this answer.") })
  .meta({ id: "MintedToken" });

export const tokenList = z.object({ items: z.array(tokenRecord) }).meta({ id: "TokenList" });

export const endpointRegistration = z
  .strictObject({
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).max(63).default("default"),
    service: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).max(63),
    address: z.string().superRefine((address, context) => {
      const target = parseEndpointAddress(address);
      if (typeof target === "string") context.addIssue({ code: "custom", message: target });
    }),
    labels: z.record(z.string(), z.string()).default({}),
    ttlSeconds: z.number().int().min(1).max(86_400).default(30),
  })
  .meta({ id: "EndpointRegistration" });

export const endpointRecord = z
  .object({
    id: z.string(),
    namespace: z.string(),
    service: z.string(),
    address: z.string(),
    labels: z.record(z.string(), z.string()),
    healthy: z.boolean(),
    lastHeartbeat: z.string(),
    ttlSeconds: z.number().int(),
    registeredAt: z.string(),
  })
  .meta({ id: "Endpoint" });

export const endpointList = z.object({ items: z.array(endpointRecord) }).meta({ id: "EndpointList" });

export const health = z.object({ status: z.literal("ok") }).meta({ id: "Health" });

export const readiness = z
  .object({ ready: z.boolean(), checks: z.array(z.object({ name: z.string(), ready: z.boolean(), message: z.string().optional() })) })
  .meta({ id: "Readiness" });
