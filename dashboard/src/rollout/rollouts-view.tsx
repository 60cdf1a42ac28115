import { useSigned } from "../context.ts";
import { href } from "../route.ts";
import type { Rollout } from "../types.ts";
import { usePoll } from "../ui/poll.ts";
import { formatWeight } from "./model.ts";
import { RolloutDetail } from "./rollout-detail.tsx";

export function RolloutsView({ namespace, name }: { namespace?: string; name?: string }) {
  return namespace && name ? <RolloutDetail namespace={namespace} name={name} /> : <RolloutList />;
}

function RolloutList() {
  const { api } = useSigned();
  // The all-namespaces list carries no status; each namespace's list does.
  const list = usePoll(async () => {
    const all = await api.get<{ items: Rollout[] }>("/v1/rollouts");
    const namespaces = [...new Set(all.items.map((r) => r.metadata.namespace ?? "default"))].sort();
    const lists = await Promise.all(namespaces.map((ns) => api.get<{ items: Rollout[] }>(`/v1/namespaces/${encodeURIComponent(ns)}/rollouts`)));
    return { items: lists.flatMap((l) => l.items) };
  }, 5_000, []);
  return (
    <section aria-labelledby="rollouts-title">
      <h1 id="rollouts-title">Rollouts</h1>
      <p>Canaries that advance through their steps while their analysis passes, and roll back by themselves when it fails.</p>
      {list.error && (
        <p class="error" role="alert">
          {list.error}
        </p>
      )}
      {list.data?.items.length === 0 && <p>No Rollouts yet: apply one with isthmus apply -f.</p>}
      {list.data && list.data.items.length > 0 && (
        <table class="rollouts">
          <thead>
            <tr>
              <th scope="col">Rollout</th>
              <th scope="col">Service</th>
              <th scope="col">Stable → canary</th>
              <th scope="col">Phase</th>
              <th scope="col">Canary weight</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((r) => (
              <tr key={`${r.metadata.namespace}/${r.metadata.name}`}>
                <th scope="row">
                  <a href={href({ view: "rollouts", namespace: r.metadata.namespace ?? "default", name: r.metadata.name })}>
                    {r.metadata.namespace}/{r.metadata.name}
                  </a>
                </th>
                <td>{r.spec.service}</td>
                <td>
                  {r.spec.stableSubset} → {r.spec.canarySubset}
                </td>
                <td>
                  <span class={`phase phase-${r.status?.phase ?? "Pending"}`}>{r.status?.phase ?? "Pending"}</span>
                </td>
                <td class="num">{formatWeight(r.status?.weight ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
