// Reading the binding names a data plane sends with its snapshot pulls. A malformed report
// is dropped, never answered with an error: it must not cost a data plane its config.
import { bindingReportSchema, type BindingReport } from "../../contracts/snapshot/binding-report.ts";
import type { WorkloadIdentity } from "./registry-access.ts";

/** The report with the identity that vouches for it, or null (no identity, or not a report). */
export function reportOf(identity: Partial<WorkloadIdentity> | undefined | null, raw: unknown): { identity: WorkloadIdentity; bindings: BindingReport } | null {
  if (!identity?.namespace || !identity.serviceAccount) return null;
  const report = bindingReportSchema.safeParse(raw);
  if (!report.success) return null;
  return { identity: { namespace: identity.namespace, serviceAccount: identity.serviceAccount }, bindings: report.data };
}

/** The `x-isthmus-bindings` header of an HTTP pull, parsed; undefined when absent or not JSON. */
export function headerReport(value: string | undefined): unknown {
  if (!value) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
