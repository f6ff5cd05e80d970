// Copy and paste of nodes with the edges among them, kept in localStorage so a copy made in one
// draft (or tab) pastes into another. Pasted nodes get fresh ids and an offset position.
import type { EdgeDoc, NodeDoc } from "../api/types";
import { edgeToDoc, edgeToFlow, nodeToDoc, nodeToFlow } from "./convert";
import { freshId } from "./ids";
import type { DesignerEdge, DesignerNode } from "./types";

export const CLIPBOARD_KEY = "graphwright.clipboard";
export const PASTE_OFFSET = 40;

export interface ClipboardData {
  kind: "graphwright/nodes";
  nodes: NodeDoc[];
  edges: EdgeDoc[];
}

/** The selected nodes and the edges between two of them. */
export function copyOf(nodes: readonly DesignerNode[], edges: readonly DesignerEdge[]): ClipboardData | null {
  const picked = nodes.filter((n) => n.selected);
  if (picked.length === 0) return null;
  const ids = new Set(picked.map((n) => n.id));
  return {
    kind: "graphwright/nodes",
    nodes: picked.map(nodeToDoc),
    edges: edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map(edgeToDoc),
  };
}

export function writeClipboard(data: ClipboardData): void {
  try {
    localStorage.setItem(CLIPBOARD_KEY, JSON.stringify(data));
  } catch {
    // storage full or disabled: the copy stays unavailable rather than breaking the canvas
  }
}

export function readClipboard(): ClipboardData | null {
  try {
    const raw = localStorage.getItem(CLIPBOARD_KEY);
    const data = raw ? (JSON.parse(raw) as ClipboardData) : null;
    return data && data.kind === "graphwright/nodes" && Array.isArray(data.nodes) ? data : null;
  } catch {
    return null;
  }
}

/** The clipboard's nodes with ids not in `takenIds`, moved by `offset`, and their inner edges. */
export function pasteOf(
  data: ClipboardData,
  takenIds: Iterable<string>,
  offset: number = PASTE_OFFSET,
): { nodes: DesignerNode[]; edges: DesignerEdge[] } {
  const taken = new Set(takenIds);
  const renamed = new Map<string, string>();
  for (const n of data.nodes) renamed.set(n.id, freshId(n.id, taken));
  const nodes = data.nodes.map((n, i) => {
    const id = renamed.get(n.id)!;
    const at = n.position ?? { x: 0, y: 0 };
    return nodeToFlow({ ...n, id, position: { x: at.x + offset, y: at.y + offset } }, i);
  });
  const edges = data.edges
    .filter((e) => renamed.has(e.source) && renamed.has(e.target))
    .map((e) => edgeToFlow({ source: renamed.get(e.source)!, source_port: e.source_port, target: renamed.get(e.target)!, target_port: e.target_port }));
  return { nodes, edges };
}
