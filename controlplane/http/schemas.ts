// Request and response bodies of the control API, one zod schema each: handlers validate
// with them and /openapi.json is generated from them (named ones become components).
import { z } from "zod";
import { parseEndpointAddress } from "../../resources/endpoint-address.ts";
import { ALLOW_PRIVATE_ADDRESSES_ANNOTATION, privateAddressReason } from "../../resources/private-address.ts";
import { KINDS, formsOf } from "../../resources/index.ts";
import { snapshotResourceSchema, snapshotSchema } from "../../contracts/snapshot/schema.ts";
import { roleSchema } from "../roles.ts";

const detail = z.object({ path: z.string(), message: z.string() });

export const errorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.array(detail) }) });

/** Any mesh resource, as stored (server fields in metadata). */
export const resourceBody = z
  .union(KINDS.flatMap((info) => formsOf(info).map((form) => form.schema)) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);

export const resourceList = z.object({ items: z.array(resourceBody) });

const resourceKey = { kind: z.string(), namespace: z.string(), name: z.string() };

export const finding = z
  .object({
    code: z.string(),
    severity: z.enum(["error", "warning"]),
    message: z.string(),
    // Absent on findings that belong to no resource (the CA's expiry warnings).
    path: z.string().optional(),
    resource: z.object(resourceKey).optional(),
  });

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
  });

export const deleteResult = z
  .object({ revision: z.number().int().nullable(), resource: resourceBody });

export const findingList = z.object({ findings: z.array(finding) });

const changeAction = z.enum(["created", "configured", "deleted"]);

export const revisionSummary = z
  .object({
    number: z.number().int(),
    createdAt: z.string(),
    actor: z.string(),
    operation: z.enum(["apply", "delete", "rollback"]),
    message: z.string(),
    changes: z.array(z.object({ ...resourceKey, action: changeAction })),
  });

export const revisionList = z.object({ items: z.array(revisionSummary) });

export const revisionDetail = revisionSummary
  .extend({
    changes: z.array(
      z.object({ ...resourceKey, action: changeAction, before: snapshotResourceSchema.nullable(), after: snapshotResourceSchema.nullable() }),
    ),
  });

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
  });

export const rollbackRequest = z.strictObject({ revision: z.number().int().positive() });

export const rollbackResult = z
  .object({
    target: z.number().int(),
    revision: z.number().int().nullable(),
    changes: z.array(z.object({ ...resourceKey, action: changeAction })),
  });

// Kubernetes names (DNS-1123 labels): what a namespace or a service account may be called.
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label (lower case letters, digits, '-')").max(63);

export const tokenRequest = z
  .strictObject({
    name: z.string().min(1).max(100),
    role: roleSchema,
    namespace: dnsLabel.optional().describe("The workload a dataplane token is bound to: required for role dataplane, refused for others."),
    serviceAccount: dnsLabel.optional().describe("With namespace: the dataplane token writes only registry endpoints of this workload."),
  })
  .superRefine((request, context) => {
    for (const field of ["namespace", "serviceAccount"] as const) {
      if (request.role === "dataplane" && request[field] === undefined) {
        context.addIssue({ code: "custom", path: [field], message: "required for role dataplane: the token is bound to one workload identity" });
      }
      if (request.role !== "dataplane" && request[field] !== undefined) {
        context.addIssue({ code: "custom", path: [field], message: `only a dataplane token is bound to a workload, not role ${request.role}` });
      }
    }
  });

export const tokenRecord = z
  .object({
    id: z.string(),
    name: z.string(),
    role: roleSchema,
    createdAt: z.string(),
    createdBy: z.string(),
    namespace: z.string().optional().describe("A dataplane token's workload namespace."),
    serviceAccount: z.string().optional().describe("A dataplane token's workload service account."),
  });

export const mintedToken = tokenRecord
  .extend({ token: z.string().describe("The bearer secret; shown only in this answer.") });

export const tokenList = z.object({ items: z.array(tokenRecord) });

export const endpointRegistration = z
  .strictObject({
    namespace: dnsLabel.default("default"),
    service: dnsLabel,
    address: z.string().superRefine((address, context) => {
      const target = parseEndpointAddress(address);
      if (typeof target === "string") context.addIssue({ code: "custom", message: target });
    }),
    labels: z.record(z.string(), z.string()).default({}),
    ttlSeconds: z.number().int().min(1).max(86_400).default(30),
    serviceAccount: dnsLabel.optional().describe("The service account the endpoint runs as; a dataplane token's own, always."),
    allowPrivateAddresses: z
      .boolean()
      .default(false)
      .describe(`An http(s) address at loopback, a private or link-local range or a metadata name is refused unless this is true (editors and admins only; the registry's ${ALLOW_PRIVATE_ADDRESSES_ANNOTATION}).`),
  })
  .superRefine((registration, context) => {
    if (registration.allowPrivateAddresses || !/^https?:/.test(registration.address)) return;
    const reason = privateAddressReason(registration.address);
    if (reason) context.addIssue({ code: "custom", path: ["address"], message: `${reason}: refused unless allowPrivateAddresses is true` });
  });

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
    registeredBy: z.string().describe("The actor that registered it: `admin` or `token:<name>`."),
    serviceAccount: z.string().optional().describe("The service account it runs as: the identity callers demand of it."),
  });

export const endpointList = z.object({ items: z.array(endpointRecord) });

export const health = z.object({ status: z.literal("ok") });

export const readiness = z
  .object({ ready: z.boolean(), checks: z.array(z.object({ name: z.string(), ready: z.boolean(), message: z.string().optional() })) });

/** Schemas shown as named components in /openapi.json (referenced, not repeated). */
export const namedSchemas: Record<string, z.ZodType> = {
  Error: errorBody,
  Resource: resourceBody,
  ResourceList: resourceList,
  Finding: finding,
  ApplyResult: applyResult,
  DeleteResult: deleteResult,
  Findings: findingList,
  RevisionSummary: revisionSummary,
  RevisionList: revisionList,
  Revision: revisionDetail,
  RevisionDiff: revisionDiff,
  RollbackRequest: rollbackRequest,
  RollbackResult: rollbackResult,
  TokenRequest: tokenRequest,
  Token: tokenRecord,
  MintedToken: mintedToken,
  TokenList: tokenList,
  EndpointRegistration: endpointRegistration,
  Endpoint: endpointRecord,
  EndpointList: endpointList,
  Snapshot: snapshotSchema,
  Health: health,
  Readiness: readiness,
};
