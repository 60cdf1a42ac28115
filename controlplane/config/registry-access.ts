// Who may write which registry endpoint. A data plane holds a token bound to one workload
// identity (namespace + service account, set when the token is minted); it may register,
// heartbeat and remove only endpoints that run as that identity, of a service that runs as
// it, so no data plane can point another service's traffic at itself or take another's
// endpoint away. Editors and admins (no workload identity) keep full rights.
import { canonicalHost } from "../../resources/hosts.ts";
import { refused, type Result } from "../../contracts/refusal.ts";

/** A workload identity: `spiffe://<td>/ns/<namespace>/sa/<serviceAccount>`. */
export interface WorkloadIdentity {
  namespace: string;
  serviceAccount: string;
}

/** Who writes to the registry: the actor recorded on the endpoint, and a data plane's identity. */
export interface RegistryWriter {
  actor: string;
  /** Set for `dataplane` tokens, which are always bound to one. */
  identity?: WorkloadIdentity;
}

/** The ServiceEntry fields this rule reads. */
interface ServiceEntryFacts {
  metadata: { namespace?: string };
  spec: object;
}

/**
 * The service accounts endpoints of `namespace/service` run as: the `serviceAccount`s its
 * ServiceEntries' endpoints declare, else the service name, as the data plane assumes when
 * it checks who answers (dataplane/security/destination-identity.ts).
 */
export function serviceAccountsOf(entries: readonly ServiceEntryFacts[], namespace: string, service: string): string[] {
  const accounts = new Set<string>();
  for (const entry of entries) {
    const spec = entry.spec as { hosts?: unknown; endpoints?: unknown };
    if ((entry.metadata.namespace ?? "default") !== namespace || !Array.isArray(spec.hosts)) continue;
    const names = spec.hosts.some((host) => typeof host === "string" && canonicalHost(host, namespace) === canonicalHost(service, namespace));
    if (!names || !Array.isArray(spec.endpoints)) continue;
    for (const endpoint of spec.endpoints as { serviceAccount?: unknown }[]) {
      if (typeof endpoint.serviceAccount === "string") accounts.add(endpoint.serviceAccount);
    }
  }
  return accounts.size > 0 ? [...accounts].sort() : [service];
}

/**
 * Null when `writer` may register an endpoint of `namespace/service` running as
 * `serviceAccount` (over `existing`, the endpoint already at that address, if any); else the
 * refusal: `registry_identity_mismatch` or `registry_not_owner`.
 */
export function registrationRefusal(
  writer: RegistryWriter,
  registration: { namespace: string; service: string; serviceAccount?: string },
  accounts: readonly string[],
  existing: Partial<WorkloadIdentity> | null,
): Result<never> | null {
  const identity = writer.identity;
  if (!identity) return null;
  const who = `${identity.namespace}/${identity.serviceAccount}`;
  if (registration.namespace !== identity.namespace) {
    return refused(403, "registry_identity_mismatch", `the token of workload ${who} may register endpoints only in namespace ${identity.namespace}, not ${registration.namespace}`, [
      { path: "namespace", message: `must be ${identity.namespace}, the token's namespace` },
    ]);
  }
  if (registration.serviceAccount !== undefined && registration.serviceAccount !== identity.serviceAccount) {
    return refused(403, "registry_identity_mismatch", `the token of workload ${who} may register endpoints only as service account ${identity.serviceAccount}`, [
      { path: "serviceAccount", message: `must be ${identity.serviceAccount}, the token's service account` },
    ]);
  }
  if (!accounts.includes(identity.serviceAccount)) {
    return refused(403, "registry_identity_mismatch", `service ${registration.namespace}/${registration.service} runs as ${accounts.join(", ")}, not as ${who}`, [
      { path: "service", message: `runs as ${accounts.join(", ")}, not ${identity.serviceAccount}` },
    ]);
  }
  return ownerRefusal(writer, existing);
}

/** Null when `writer` may heartbeat, re-register or remove an endpoint registered as `owner`. */
export function ownerRefusal(writer: RegistryWriter, owner: Partial<WorkloadIdentity> | null): Result<never> | null {
  const identity = writer.identity;
  if (!identity || !owner) return null;
  if (owner.namespace === identity.namespace && owner.serviceAccount === identity.serviceAccount) return null;
  const held = owner.serviceAccount ? `${owner.namespace}/${owner.serviceAccount}` : "no workload (an editor registered it)";
  return refused(403, "registry_not_owner", `the endpoint runs as ${held}; the token of workload ${identity.namespace}/${identity.serviceAccount} may not change it`);
}
