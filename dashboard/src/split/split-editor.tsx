import { useEffect, useState } from "preact/hooks";
import { ApiError, describeError } from "../api.ts";
import { useSigned } from "../context.ts";
import { forHost } from "../service/config.ts";
import { canEdit } from "../session.ts";
import type { DestinationRule, RouteDestination, VirtualService } from "../types.ts";
import { DiffView } from "../ui/diff-view.tsx";
import { resourceYaml } from "../ui/yaml.ts";
import { rebalance, total, weightsOf, withSplit } from "./weights.ts";

interface Loaded {
  vs: VirtualService;
  rules: DestinationRule[];
}

type Outcome = { kind: "applied"; revision: number | null } | { kind: "conflict"; message: string } | { kind: "error"; message: string };

export function SplitEditor({ namespace, name }: { namespace: string; name: string }) {
  const { api, session } = useSigned();
  const editable = canEdit(session);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [routeIndex, setRouteIndex] = useState(0);
  const [destinations, setDestinations] = useState<RouteDestination[]>([]);
  const [weights, setWeights] = useState<number[]>([]);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  const path = `/v1/namespaces/${encodeURIComponent(namespace)}/virtualservices/${encodeURIComponent(name)}`;

  const load = async (keepOutcome = false) => {
    try {
      const [vs, rules] = await Promise.all([api.get<VirtualService>(path), api.get<{ items: DestinationRule[] }>("/v1/destinationrules")]);
      setLoaded({ vs, rules: rules.items });
      setLoadError(null);
      if (!keepOutcome) setOutcome(null);
      pick(vs, Math.min(routeIndex, Math.max(0, (vs.spec.http?.length ?? 1) - 1)));
    } catch (error) {
      setLoadError(describeError(error));
    }
  };
  const pick = (vs: VirtualService, index: number) => {
    const route = vs.spec.http?.[index]?.route ?? [];
    setRouteIndex(index);
    setDestinations(route);
    setWeights(weightsOf(route));
  };
  useEffect(() => void load(), [namespace, name]);

  if (loadError) return <p class="error" role="alert">{loadError}</p>;
  if (!loaded) return <p>Loading…</p>;
  const { vs } = loaded;
  const http = vs.spec.http ?? [];
  if (http.length === 0) return <p>VirtualService {namespace}/{name} has no HTTP routes to split.</p>;

  const after = withSplit(vs, routeIndex, destinations, weights);
  const beforeYaml = resourceYaml(vs);
  const afterYaml = resourceYaml(after);
  const sum = total(weights);
  const changed = beforeYaml !== afterYaml;
  const candidates = subsetCandidates(loaded, destinations);

  const apply = async () => {
    setBusy(true);
    setOutcome(null);
    try {
      // The body carries the resourceVersion we loaded: a change made since is refused (409), not overwritten.
      const result = await api.send<{ revision: number | null }>("PUT", path, after);
      setOutcome({ kind: "applied", revision: result.revision });
      await load(true);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        setOutcome({ kind: "conflict", message: error.message });
      } else {
        setOutcome({ kind: "error", message: describeError(error) });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="split">
      <p>
        VirtualService <strong>{namespace}/{name}</strong> (hosts {(vs.spec.hosts ?? []).join(", ")}), resourceVersion{" "}
        <code data-testid="resource-version">{vs.metadata.resourceVersion ?? "–"}</code>
      </p>
      {!editable && (
        <p class="notice" data-testid="read-only">
          Your role ({session.role}) can look but not change routes: the controls are disabled and the API refuses changes.
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void apply();
        }}
      >
        <fieldset disabled={!editable || busy}>
          <legend>Weights</legend>
          {http.length > 1 && (
            <span class="field">
              <label for="split-route">HTTP route</label>
              <select id="split-route" value={routeIndex} onChange={(e) => pick(vs, Number(e.currentTarget.value))}>
                {http.map((route, i) => (
                  <option key={i} value={i}>
                    {route.name ?? `route ${i + 1}`}
                    {route.match ? " (with match)" : ""}
                  </option>
                ))}
              </select>
            </span>
          )}
          <table class="weights">
            <thead>
              <tr>
                <th scope="col">Destination</th>
                <th scope="col">Weight</th>
                <th scope="col">
                  <span class="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {destinations.map((d, i) => {
                const label = destinationLabel(d);
                const id = `weight-${i}`;
                return (
                  <tr key={label} data-destination={label}>
                    <th scope="row">
                      <label for={id}>{label}</label>
                    </th>
                    <td class="weight-inputs">
                      <input
                        id={id}
                        type="range"
                        min={0}
                        max={100}
                        step={1}
                        value={weights[i]}
                        onInput={(e) => setWeights(rebalance(weights, i, Number(e.currentTarget.value)))}
                      />
                      <input
                        type="number"
                        min={0}
                        max={100}
                        value={weights[i]}
                        aria-label={`Weight of ${label} in percent`}
                        onChange={(e) => setWeights(rebalance(weights, i, Number(e.currentTarget.value)))}
                      />
                      %
                    </td>
                    <td>
                      <button
                        type="button"
                        class="secondary"
                        disabled={destinations.length === 1}
                        aria-label={`Remove ${label}`}
                        onClick={() => {
                          const rest = destinations.filter((_, j) => j !== i);
                          const left = weights.filter((_, j) => j !== i);
                          setDestinations(rest);
                          setWeights(rest.length === 1 ? [100] : rebalance(left, 0, left[0]!));
                        }}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {candidates.length > 0 && <AddDestination candidates={candidates} onAdd={(d) => {
            setDestinations([...destinations, d]);
            setWeights([...weights, 0]);
          }} />}
          <p class={sum === 100 ? "total" : "total error"} aria-live="polite">
            Total {sum}%{sum === 100 ? "" : " — weights must add up to 100"}
          </p>
          <div class="actions">
            <button type="submit" disabled={!changed || sum !== 100}>
              Apply split
            </button>
            <button type="button" class="secondary" onClick={() => pick(vs, routeIndex)} disabled={!changed}>
              Reset
            </button>
          </div>
        </fieldset>
      </form>
      <OutcomeMessage outcome={outcome} onReload={() => void load()} />
      <DiffView before={beforeYaml} after={afterYaml} label="YAML change (before → after)" />
    </div>
  );
}

function AddDestination({ candidates, onAdd }: { candidates: RouteDestination[]; onAdd: (d: RouteDestination) => void }) {
  const [choice, setChoice] = useState(0);
  return (
    <div class="add-destination">
      <label for="add-subset">Add destination</label>
      <select id="add-subset" value={Math.min(choice, candidates.length - 1)} onChange={(e) => setChoice(Number(e.currentTarget.value))}>
        {candidates.map((c, i) => (
          <option key={destinationLabel(c)} value={i}>
            {destinationLabel(c)}
          </option>
        ))}
      </select>
      <button type="button" class="secondary" onClick={() => onAdd(candidates[Math.min(choice, candidates.length - 1)]!)}>
        Add
      </button>
    </div>
  );
}

function OutcomeMessage({ outcome, onReload }: { outcome: Outcome | null; onReload: () => void }) {
  if (!outcome) return null;
  if (outcome.kind === "applied") {
    return (
      <p class="success" role="status">
        Applied{outcome.revision !== null ? ` as revision ${outcome.revision}` : " (no change)"}. Data-plane isolates pick it up at their next snapshot refresh.
      </p>
    );
  }
  if (outcome.kind === "conflict") {
    return (
      <div class="error" role="alert">
        <p>
          Not applied: this VirtualService changed since you loaded it (409 conflict). {outcome.message}
        </p>
        <button type="button" onClick={onReload}>
          Reload the current version
        </button>
      </div>
    );
  }
  return (
    <p class="error" role="alert">
      Not applied: {outcome.message}
    </p>
  );
}

function destinationLabel(d: RouteDestination): string {
  return `${d.destination.host}${d.destination.subset ? ` ${d.destination.subset}` : ""}${d.destination.port?.number ? `:${d.destination.port.number}` : ""}`;
}

// Subsets of the DestinationRules for the hosts already routed to, not yet in the route.
function subsetCandidates(loaded: Loaded, destinations: RouteDestination[]): RouteDestination[] {
  const present = new Set(destinations.map(destinationLabel));
  const hosts = [...new Set(destinations.map((d) => d.destination.host))];
  const vsNamespace = loaded.vs.metadata.namespace ?? "default";
  const out: RouteDestination[] = [];
  for (const host of hosts) {
    const [service, ns] = host.split(".");
    for (const rule of forHost(loaded.rules, service!, ns ?? vsNamespace)) {
      for (const subset of rule.spec.subsets ?? []) {
        const candidate = { destination: { host, subset: subset.name } };
        if (!present.has(destinationLabel(candidate))) out.push(candidate);
      }
    }
  }
  return out;
}
