// The graph being edited: xyflow nodes and edges plus the document's other fields. Every edit goes
// through `edit`, which records one history entry and tells autosave the document changed.
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange } from "@xyflow/react";
import type { StateCreator } from "zustand";
import type { ModuleSpec, NodeDoc, PipelineDocument, PipelineParameter } from "../api/types";
import type { ProposedEdge } from "../canvas/connection";
import { documentToFlow, edgeToFlow, flowToDocument } from "./convert";
import type { DesignerState } from "./designerStore";
import { freshId } from "./ids";
import { moduleOf } from "./catalogue";
import { estimatedGeometry } from "./nodeSize";
import type { DesignerEdge, DesignerNode, DocumentMeta } from "./types";

export interface GraphSlice {
  nodes: DesignerNode[];
  edges: DesignerEdge[];
  meta: DocumentMeta;
  /** Bumped on every change of the document (not of selection or measured sizes). */
  docVersion: number;
  /** True between the first and the last position change of a pointer drag. */
  dragging: boolean;

  loadDocument(doc: PipelineDocument): void;
  toDocument(): PipelineDocument;
  documentChanged(): void;
  edit(change: (s: DesignerState) => Partial<DesignerState>): void;

  onNodesChange(changes: NodeChange<DesignerNode>[]): void;
  onEdgesChange(changes: EdgeChange<DesignerEdge>[]): void;
  addNode(module: ModuleSpec, position: { x: number; y: number }): string;
  updateNode(id: string, patch: Partial<NodeDoc>): void;
  connect(c: ProposedEdge): void;
  deleteElements(nodeIds: readonly string[], edgeIds: readonly string[]): void;
  deleteSelection(): void;
  setPositions(positions: Record<string, { x: number; y: number }>): void;
  insertFragment(nodes: DesignerNode[], edges: DesignerEdge[]): void;
  setParameters(parameters: PipelineParameter[]): void;
  /** The pipeline's default compute target (null: the server's default). */
  setDefaultTarget(target: string | null): void;
  /** Rewrite bindings to a renamed pipeline parameter, as part of the rename's history entry. */
  rebindParameter(from: string, to: string): void;
  rename(name: string): void;
  selectOnly(nodeIds: readonly string[]): void;
}

const EMPTY_META: DocumentMeta = { name: "", parameters: [] };

/** Once xyflow has measured a node, its real handles replace the estimated ones. */
function dropEstimates(changes: NodeChange<DesignerNode>[], nodes: DesignerNode[]): DesignerNode[] {
  const measured = new Set<string>();
  for (const c of changes) if (c.type === "dimensions") measured.add(c.id);
  if (measured.size === 0) return nodes;
  return nodes.map((n) => {
    if (!measured.has(n.id) || !n.handles) return n;
    const { handles: _estimate, ...rest } = n;
    return rest;
  });
}

function positionChanges(changes: NodeChange<DesignerNode>[]) {
  return changes.filter((c) => c.type === "position" && c.position);
}

export const createGraphSlice: StateCreator<DesignerState, [], [], GraphSlice> = (set, get) => ({
  nodes: [],
  edges: [],
  meta: EMPTY_META,
  docVersion: 0,
  dragging: false,

  loadDocument(doc) {
    const { meta, nodes, edges } = documentToFlow(doc);
    const modules = get().modules;
    const estimated = nodes.map((n) => {
      const module = moduleOf(modules, n.data.doc);
      return module ? { ...n, ...estimatedGeometry(n.data.doc, module) } : n;
    });
    set({ meta, nodes: estimated, edges, dragging: false });
  },
  toDocument() {
    const s = get();
    return flowToDocument(s.meta, s.nodes, s.edges);
  },
  documentChanged() {
    set((s) => ({ docVersion: s.docVersion + 1 }));
    get().scheduleSave();
  },
  edit(change) {
    get().record();
    set(change(get()));
    get().documentChanged();
  },

  onNodesChange(changes) {
    const moves = positionChanges(changes);
    const kept = changes.filter((c) => c.type !== "remove"); // deletion is deleteSelection's, with history
    if (moves.length === 0) {
      set((s) => ({ nodes: dropEstimates(changes, applyNodeChanges(kept, s.nodes)) }));
      return;
    }
    const live = moves.some((c) => c.type === "position" && c.dragging);
    const s = get();
    if (live && !s.dragging) s.record(); // a drag begins: one history entry for all of it
    if (!live && !s.dragging) s.record(); // a keyboard move: one entry per key press
    set({ nodes: applyNodeChanges(kept, s.nodes), dragging: live });
    if (!live) get().documentChanged();
  },
  onEdgesChange(changes) {
    const kept = changes.filter((c) => c.type === "select");
    if (kept.length) set((s) => ({ edges: applyEdgeChanges(kept, s.edges) }));
  },
  addNode(module, position) {
    const taken = new Set(get().nodes.map((n) => n.id));
    const id = freshId(module.key, taken);
    const node: DesignerNode = {
      id,
      type: "generic",
      position,
      selected: true,
      data: { doc: { id, module: module.key, version: module.version, params: {} } },
    };
    get().edit((s) => ({
      nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
      edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
    }));
    return id;
  },
  updateNode(id, patch) {
    if (!get().nodes.some((n) => n.id === id)) return;
    get().edit((s) => ({
      nodes: s.nodes.map((n) => {
        if (n.id !== id) return n;
        const { position, ...rest } = patch;
        return { ...n, position: position ?? n.position, data: { doc: { ...n.data.doc, ...rest, id } } };
      }),
    }));
  },
  connect(c) {
    const edge = edgeToFlow({ source: c.source, source_port: c.sourcePort, target: c.target, target_port: c.targetPort });
    if (get().edges.some((e) => e.id === edge.id)) return;
    get().edit((s) => ({ edges: [...s.edges, edge] }));
  },
  deleteElements(nodeIds, edgeIds) {
    const goneNodes = new Set(nodeIds);
    const goneEdges = new Set(edgeIds);
    const s = get();
    const edges = s.edges.filter((e) => !goneEdges.has(e.id) && !goneNodes.has(e.source) && !goneNodes.has(e.target));
    const nodes = s.nodes.filter((n) => !goneNodes.has(n.id));
    if (nodes.length === s.nodes.length && edges.length === s.edges.length) return;
    s.edit(() => ({ nodes, edges }));
  },
  deleteSelection() {
    const s = get();
    s.deleteElements(
      s.nodes.filter((n) => n.selected).map((n) => n.id),
      s.edges.filter((e) => e.selected).map((e) => e.id),
    );
  },
  setPositions(positions) {
    get().edit((s) => ({
      nodes: s.nodes.map((n) => (positions[n.id] ? { ...n, position: positions[n.id] } : n)),
    }));
  },
  insertFragment(nodes, edges) {
    if (nodes.length === 0) return;
    get().edit((s) => ({
      nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...nodes.map((n) => ({ ...n, selected: true }))],
      edges: [...s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...edges],
    }));
  },
  setParameters(parameters) {
    get().edit((s) => ({ meta: { ...s.meta, parameters } }));
  },
  setDefaultTarget(target) {
    get().edit((s) => {
      const { default_target: _, ...rest } = s.meta;
      return { meta: target ? { ...rest, default_target: target } : rest };
    });
  },
  rebindParameter(from, to) {
    let changed = false;
    const nodes = get().nodes.map((n) => {
      const params = n.data.doc.params;
      if (!params) return n;
      let mine = false;
      const next = Object.fromEntries(
        Object.entries(params).map(([k, v]) => {
          if (v && typeof v === "object" && (v as { $param?: string }).$param === from) {
            mine = true;
            return [k, { $param: to }];
          }
          return [k, v];
        }),
      );
      if (!mine) return n;
      changed = true;
      return { ...n, data: { doc: { ...n.data.doc, params: next } } };
    });
    if (!changed) return;
    set({ nodes });
    get().documentChanged();
  },
  rename(name) {
    if (name === get().meta.name) return;
    get().edit((s) => ({ meta: { ...s.meta, name } }));
  },
  selectOnly(nodeIds) {
    const wanted = new Set(nodeIds);
    set((s) => ({
      nodes: s.nodes.map((n) => (!!n.selected === wanted.has(n.id) ? n : { ...n, selected: wanted.has(n.id) })),
      edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
    }));
  },
});
