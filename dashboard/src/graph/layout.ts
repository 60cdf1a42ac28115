// A layered left-to-right layout: each node sits one layer right of its furthest caller
// (longest path from the roots), so callers are left of callees; cycles are cut.
import type { ServiceGraph } from "./model.ts";

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Placed {
  node: Box;
  /** Version boxes inside the node, by version ("" for a caller without versions). */
  versions: Map<string, Box>;
}

export interface Layout {
  width: number;
  height: number;
  placed: Map<string, Placed>;
}

export const SIZES = { nodeWidth: 180, header: 26, versionHeight: 24, versionGap: 6, padding: 8, layerGap: 200, rowGap: 34, margin: 20 };

export function layeredLayout(graph: ServiceGraph): Layout {
  const layer = layersOf(graph);
  const columns: string[][] = [];
  for (const n of graph.nodes) (columns[layer.get(n.id)!] ??= []).push(n.id);
  const placed = new Map<string, Placed>();
  let height = 0;
  columns.forEach((ids, column) => {
    let y = SIZES.margin;
    for (const id of ids) {
      const graphNode = graph.nodes.find((n) => n.id === id)!;
      const x = SIZES.margin + column * (SIZES.nodeWidth + SIZES.layerGap);
      const versions = new Map<string, Box>();
      const rows = graphNode.versions.length > 0 ? graphNode.versions : [""];
      rows.forEach((version, i) => {
        versions.set(version, {
          x: x + SIZES.padding,
          y: y + SIZES.header + i * (SIZES.versionHeight + SIZES.versionGap),
          width: SIZES.nodeWidth - 2 * SIZES.padding,
          height: SIZES.versionHeight,
        });
      });
      const nodeHeight = SIZES.header + rows.length * (SIZES.versionHeight + SIZES.versionGap) + SIZES.padding - SIZES.versionGap;
      placed.set(id, { node: { x, y, width: SIZES.nodeWidth, height: nodeHeight }, versions });
      y += nodeHeight + SIZES.rowGap;
    }
    height = Math.max(height, y - SIZES.rowGap + SIZES.margin);
  });
  const width = columns.length === 0 ? 0 : 2 * SIZES.margin + columns.length * SIZES.nodeWidth + (columns.length - 1) * SIZES.layerGap;
  return { width, height, placed };
}

function layersOf(graph: ServiceGraph): Map<string, number> {
  const callees = new Map<string, Set<string>>();
  const callers = new Map<string, number>();
  for (const n of graph.nodes) {
    callees.set(n.id, new Set());
    callers.set(n.id, 0);
  }
  for (const link of graph.links) {
    if (link.from.node === link.to.node || callees.get(link.from.node)!.has(link.to.node)) continue;
    callees.get(link.from.node)!.add(link.to.node);
    callers.set(link.to.node, callers.get(link.to.node)! + 1);
  }
  const layer = new Map<string, number>();
  const visit = (id: string, depth: number, path: Set<string>) => {
    if (path.has(id) || (layer.get(id) ?? -1) >= depth) return;
    layer.set(id, depth);
    path.add(id);
    for (const next of callees.get(id)!) visit(next, depth + 1, path);
    path.delete(id);
  };
  const roots = graph.nodes.filter((n) => callers.get(n.id) === 0);
  // A graph that is one cycle has no root: start anywhere.
  for (const root of roots.length > 0 ? roots : graph.nodes.slice(0, 1)) visit(root.id, 0, new Set());
  for (const n of graph.nodes) if (!layer.has(n.id)) visit(n.id, 0, new Set());
  return layer;
}
