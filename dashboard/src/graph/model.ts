// The service graph from /v1/stats/edges: services as nodes with their versions inside,
// calls as links between versions. A source workload named `<service>-<version>` (as
// Bookinfo's are) is drawn inside its service; any other caller (the gateway, an
// outside client) is a node of its own.
import type { EdgeStats, Figures } from "../types.ts";

export interface GraphNode {
  id: string;
  label: string;
  namespace: string;
  /** True for a mesh service (a destination), false for a caller seen only as a source. */
  service: boolean;
  versions: string[];
}

export interface GraphLink {
  from: { node: string; version: string | null };
  to: { node: string; version: string };
  figures: Figures;
}

export interface ServiceGraph {
  nodes: GraphNode[];
  links: GraphLink[];
}

export type Health = "healthy" | "degraded" | "failing" | "idle";

/** Success rate bands, as Kiali colours edges: >= 99 % healthy, >= 95 % degraded. */
export function healthOf(successRate: number | null): Health {
  if (successRate === null) return "idle";
  if (successRate >= 0.99) return "healthy";
  if (successRate >= 0.95) return "degraded";
  return "failing";
}

export function serviceGraph(edges: EdgeStats[]): ServiceGraph {
  const nodes = new Map<string, GraphNode>();
  const node = (id: string, label: string, namespace: string, service: boolean): GraphNode => {
    let found = nodes.get(id);
    if (!found) nodes.set(id, (found = { id, label, namespace, service, versions: [] }));
    found.service ||= service;
    return found;
  };
  const addVersion = (target: GraphNode, version: string) => {
    if (!target.versions.includes(version)) target.versions.push(version);
  };
  for (const edge of edges) {
    const { service, namespace, version } = edge.destination;
    addVersion(node(`${service}.${namespace}`, service, namespace, true), version);
  }
  const links: GraphLink[] = [];
  for (const edge of edges) {
    const { service, namespace, version } = edge.destination;
    const from = sourceOf(edge, nodes);
    if (from.version === null) node(from.node, edge.source.workload, edge.source.namespace, false);
    else addVersion(nodes.get(from.node)!, from.version);
    links.push({ from, to: { node: `${service}.${namespace}`, version }, figures: edge });
  }
  for (const found of nodes.values()) found.versions.sort();
  return { nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)), links };
}

function sourceOf(edge: EdgeStats, services: Map<string, GraphNode>): GraphLink["from"] {
  const { workload, namespace } = edge.source;
  // The longest service name that prefixes the workload wins (`reviews-v2` -> reviews, v2).
  const candidates = [...services.values()]
    .filter((n) => n.service && n.namespace === namespace && workload.startsWith(`${n.label}-`))
    .sort((a, b) => b.label.length - a.label.length);
  const owner = candidates[0];
  if (owner) return { node: owner.id, version: workload.slice(owner.label.length + 1) };
  return { node: `${workload}.${namespace}`, version: null };
}
