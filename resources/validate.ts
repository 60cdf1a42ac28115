import type { z } from "zod";
import { InvalidResourceError, type FieldIssue } from "./errors.ts";
import { KINDS, apiVersionsOf, kindByName, schemaOf, type Resource } from "./kinds.ts";

/**
 * Checks one document against its kind's schema and returns it typed, with
 * `metadata.namespace` defaulted. Throws `InvalidResourceError` whose `details` name every
 * problem by field path (`spec.http[0].route[1].weight`); unknown fields are refused by name
 * and so are Istio fields that Isthmus does not implement. A `null` field counts as unset, as in
 * Kubernetes.
 */
export function validateResource(input: unknown, defaultNamespace = "default"): Resource {
  if (!isObject(input)) {
    throw invalid("a resource must be an object", [{ path: "", message: "must be an object with apiVersion, kind, metadata and spec" }]);
  }
  const document = withoutNulls(input) as Record<string, unknown>;
  const { kind, apiVersion } = document;
  if (typeof kind !== "string") throw invalid("a resource needs a kind", [{ path: "kind", message: "is required" }]);
  const info = kindByName(kind);
  if (!info) {
    throw invalid(`unsupported kind "${kind}"`, [
      { path: "kind", message: `unsupported kind "${kind}": expected one of ${KINDS.map((k) => k.kind).join(", ")}` },
    ]);
  }
  if (typeof apiVersion !== "string") throw invalid(`${kind} needs an apiVersion`, [{ path: "apiVersion", message: "is required" }]);
  const accepted = apiVersionsOf(info);
  if (!accepted.includes(apiVersion)) {
    throw invalid(`${kind} does not exist in ${apiVersion}`, [
      { path: "apiVersion", message: `unsupported apiVersion "${apiVersion}" for ${kind}: expected one of ${accepted.join(", ")}` },
    ]);
  }
  if (isObject(document.metadata) && document.metadata.namespace === undefined) {
    document.metadata = { ...document.metadata, namespace: defaultNamespace };
  }
  const result = schemaOf(info, apiVersion)!.safeParse(document);
  if (!result.success) {
    const name = isObject(document.metadata) && typeof document.metadata.name === "string" ? ` "${document.metadata.name}"` : "";
    const details = toFieldIssues(result.error.issues);
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
    throw invalid(`invalid ${kind}${name}: ${details[0].path}: ${details[0].message}${more}`, details);
  }
  return result.data as Resource;
}

/** Zod issues as `{ path, message }`, one per unknown field. */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: `unknown field "${key}"` }));
    }
    // A record key's own problem is nested; Zod's outer message only says "Invalid key in record".
    const detail = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    const message = /received undefined$/.test(detail) ? "is required" : detail;
    return [{ path: formatPath(issue.path), message }];
  });
}

/** `["spec", "http", 0, "route"]` -> `spec.http[0].route`; keys that are not identifiers are quoted: `headers["end-user"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][\w$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

function invalid(message: string, details: FieldIssue[]): InvalidResourceError {
  return new InvalidResourceError(message, details);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child !== null) out[key] = withoutNulls(child);
  }
  return out;
}
