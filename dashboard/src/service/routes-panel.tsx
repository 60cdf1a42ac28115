import { useSigned } from "../context.ts";
import { href } from "../route.ts";
import type { DestinationRule, HttpRoute, VirtualService } from "../types.ts";
import { usePoll } from "../ui/poll.ts";
import { forHost } from "./config.ts";

export function RoutesPanel({ namespace, name }: { namespace: string; name: string }) {
  const { api } = useSigned();
  const config = usePoll(
    async () => {
      const [vs, dr] = await Promise.all([
        api.get<{ items: VirtualService[] }>("/v1/virtualservices"),
        api.get<{ items: DestinationRule[] }>("/v1/destinationrules"),
      ]);
      return { routes: forHost(vs.items, name, namespace), rules: forHost(dr.items, name, namespace) };
    },
    10_000,
    [namespace, name],
  );
  return (
    <section aria-labelledby="routes-title" class="panel">
      <h2 id="routes-title">Routes and weights</h2>
      {config.error && <p class="error">{config.error}</p>}
      {config.data && config.data.routes.length === 0 && <p>No VirtualService names {name}: requests go to every endpoint.</p>}
      {config.data?.routes.map((vs) => (
        <article key={`${vs.metadata.namespace}/${vs.metadata.name}`} class="resource">
          <h3>
            VirtualService {vs.metadata.namespace}/{vs.metadata.name}{" "}
            <a href={href({ view: "split", namespace: vs.metadata.namespace ?? "default", name: vs.metadata.name })}>Change split</a>
          </h3>
          <ol class="routes">
            {(vs.spec.http ?? []).map((route, i) => (
              <li key={i}>
                <span class="match">{matchSummary(route)}</span>
                <ul>
                  {(route.route ?? []).map((d, j) => (
                    <li key={j}>
                      → {d.destination.host}
                      {d.destination.subset ? ` subset ${d.destination.subset}` : ""}: <strong>{d.weight ?? ((route.route ?? []).length === 1 ? 100 : 0)}%</strong>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        </article>
      ))}
      {config.data?.rules.map((dr) => (
        <article key={`${dr.metadata.namespace}/${dr.metadata.name}`} class="resource">
          <h3>
            DestinationRule {dr.metadata.namespace}/{dr.metadata.name}
          </h3>
          <p>
            Subsets:{" "}
            {(dr.spec.subsets ?? []).map((s) => `${s.name} (${Object.entries(s.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(", ")})`).join("; ") || "none"}
          </p>
          {dr.spec.trafficPolicy !== undefined && <p>Traffic policy: {Object.keys(dr.spec.trafficPolicy as object).join(", ")}</p>}
        </article>
      ))}
    </section>
  );
}

function matchSummary(route: HttpRoute): string {
  const label = route.name ? `${route.name}: ` : "";
  if (!route.match || route.match.length === 0) return `${label}every request`;
  return label + route.match.map((m) => Object.entries(m).map(([field, value]) => `${field} ${JSON.stringify(value)}`).join(" and ")).join(" or ");
}
