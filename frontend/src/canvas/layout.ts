// Auto-layout with elkjs: layered, top to bottom, in the direction the data flows.
import ELK from "elkjs/lib/elk.bundled.js";
import type { DesignerEdge, DesignerNode } from "../store/types";
import { NODE_MIN_WIDTH } from "../store/nodeSize";

const elk = new ELK();

const OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": "DOWN",
  "elk.layered.spacing.nodeNodeBetweenLayers": "70",
  "elk.spacing.nodeNode": "50",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
};

/** New positions of every node, laid out in layers from sources to sinks. */
export async function layoutPositions(
  nodes: readonly DesignerNode[],
  edges: readonly DesignerEdge[],
): Promise<Record<string, { x: number; y: number }>> {
  const graph = await elk.layout({
    id: "root",
    layoutOptions: OPTIONS,
    children: nodes.map((n) => ({ id: n.id, width: n.measured?.width ?? NODE_MIN_WIDTH, height: n.measured?.height ?? 90 })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const positions: Record<string, { x: number; y: number }> = {};
  for (const child of graph.children ?? []) positions[child.id] = { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) };
  return positions;
}
