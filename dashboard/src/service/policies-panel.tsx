import { useSigned } from "../context.ts";
import type { Resource } from "../types.ts";
import { usePoll } from "../ui/poll.ts";
import { policiesFor } from "./config.ts";

const POLICY_PLURALS = ["authorizationpolicies", "peerauthentications", "requestauthentications"];

export function PoliciesPanel({ namespace, name }: { namespace: string; name: string }) {
  const { api } = useSigned();
  const policies = usePoll(
    async () => {
      const lists = await Promise.all(POLICY_PLURALS.map((plural) => api.get<{ items: Resource[] }>(`/v1/${plural}`)));
      return policiesFor(lists.flatMap((l) => l.items), name, namespace);
    },
    10_000,
    [namespace, name],
  );
  return (
    <section aria-labelledby="policies-title" class="panel">
      <h2 id="policies-title">Policies</h2>
      {policies.error && <p class="error">{policies.error}</p>}
      {policies.data && policies.data.length === 0 && <p>No authentication or authorization policy applies to {name}.</p>}
      {policies.data && policies.data.length > 0 && (
        <ul class="policies">
          {policies.data.map(({ resource, scope }) => (
            <li key={`${resource.kind}/${resource.metadata.namespace}/${resource.metadata.name}`}>
              <strong>{resource.kind}</strong> {resource.metadata.namespace}/{resource.metadata.name} <span class="tag">{scope}</span> {summary(resource)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function summary(resource: Resource): string {
  const spec = resource.spec as { action?: string; rules?: unknown[]; mtls?: { mode?: string }; jwtRules?: { issuer?: string }[] };
  switch (resource.kind) {
    case "AuthorizationPolicy":
      return `${spec.action ?? "ALLOW"}, ${spec.rules?.length ?? 0} rule(s)`;
    case "PeerAuthentication":
      return `mTLS ${spec.mtls?.mode ?? "UNSET"}`;
    case "RequestAuthentication":
      return `JWT issuers: ${(spec.jwtRules ?? []).map((r) => r.issuer).join(", ") || "none"}`;
    default:
      return "";
  }
}
