import { useSigned } from "../context.ts";
import type { RegistryEndpoint, ServiceEntry, Snapshot } from "../types.ts";
import { formatTime } from "../ui/format.ts";
import { usePoll } from "../ui/poll.ts";
import { forHost } from "./config.ts";

interface EndpointRow {
  address: string;
  labels: Record<string, string>;
  source: string;
  healthy: boolean | null;
  lastHeartbeat?: string;
}

export function EndpointsPanel({ namespace, name }: { namespace: string; name: string }) {
  const { api } = useSigned();
  const endpoints = usePoll(
    async () => {
      const [entries, registry, snapshot] = await Promise.all([
        api.get<{ items: ServiceEntry[] }>(`/v1/namespaces/${encodeURIComponent(namespace)}/serviceentries`),
        api.get<{ items: RegistryEndpoint[] }>(`/v1/registry/endpoints?namespace=${encodeURIComponent(namespace)}&service=${encodeURIComponent(name)}`),
        api.get<Snapshot>("/v1/snapshot"),
      ]);
      const rows: EndpointRow[] = [];
      for (const entry of forHost(entries.items, name, namespace)) {
        for (const endpoint of entry.spec.endpoints ?? []) {
          const health = snapshot.endpointHealth[`${namespace}/${name}/${endpoint.address}`];
          rows.push({ address: endpoint.address, labels: endpoint.labels ?? {}, source: `ServiceEntry ${entry.metadata.name}`, healthy: health?.healthy ?? null, lastHeartbeat: health?.lastHeartbeat });
        }
      }
      for (const endpoint of registry.items) {
        rows.push({ address: endpoint.address, labels: endpoint.labels, source: "registry", healthy: endpoint.healthy, lastHeartbeat: endpoint.lastHeartbeat });
      }
      return rows;
    },
    5000,
    [namespace, name],
  );
  return (
    <section aria-labelledby="endpoints-title" class="panel">
      <h2 id="endpoints-title">Endpoints</h2>
      {endpoints.error && <p class="error">{endpoints.error}</p>}
      {endpoints.data && endpoints.data.length === 0 && <p>No endpoints registered for {name}.</p>}
      {endpoints.data && endpoints.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Labels</th>
              <th scope="col">From</th>
              <th scope="col">Health</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.data.map((row) => (
              <tr key={`${row.source}/${row.address}`}>
                <td>
                  <code>{row.address}</code>
                </td>
                <td>{Object.entries(row.labels).map(([k, v]) => `${k}=${v}`).join(", ")}</td>
                <td>{row.source}</td>
                <td>
                  <HealthCell row={row} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="hint">
        Health comes from the control plane's registry (heartbeats). Outlier ejection happens inside each data-plane isolate and is not reported to the
        control plane, so ejected endpoints are not marked here.
      </p>
    </section>
  );
}

function HealthCell({ row }: { row: EndpointRow }) {
  // Static ServiceEntry endpoints have no heartbeat: they count as healthy.
  if (row.healthy === null) return <span class="status ok">static</span>;
  const when = row.lastHeartbeat ? `, last heartbeat ${formatTime(row.lastHeartbeat)}` : "";
  return row.healthy ? <span class="status ok">healthy{when}</span> : <span class="status bad">unhealthy{when}</span>;
}
