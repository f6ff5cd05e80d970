// Undo/redo: a snapshot of the document (nodes, edges, meta) before every edit; one entry per edit.
import type { StateCreator } from "zustand";
import type { DesignerState } from "./designerStore";
import type { DesignerEdge, DesignerNode, DocumentMeta } from "./types";

export const HISTORY_LIMIT = 200;

export interface Snapshot {
  nodes: DesignerNode[];
  edges: DesignerEdge[];
  meta: DocumentMeta;
}

export interface HistorySlice {
  past: Snapshot[];
  future: Snapshot[];
  /** Remember the document as it is now, before an edit changes it. */
  record(): void;
  undo(): void;
  redo(): void;
  clearHistory(): void;
}

/** A snapshot's nodes with today's measurements: the canvas has drawn and measured them since. */
function withCurrentMeasurements(nodes: DesignerNode[], current: DesignerNode[]): DesignerNode[] {
  const byId = new Map(current.map((n) => [n.id, n]));
  return nodes.map((n) => {
    const now = byId.get(n.id);
    if (!now || (now.measured === n.measured && now.handles === n.handles)) return n;
    const { handles: _old, ...rest } = n;
    return now.handles ? { ...rest, measured: now.measured, handles: now.handles } : { ...rest, measured: now.measured };
  });
}

function restore(target: Snapshot, s: DesignerState): Snapshot {
  return { ...target, nodes: withCurrentMeasurements(target.nodes, s.nodes) };
}

function snapshot(s: DesignerState): Snapshot {
  return { nodes: s.nodes, edges: s.edges, meta: s.meta };
}

export const createHistorySlice: StateCreator<DesignerState, [], [], HistorySlice> = (set, get) => ({
  past: [],
  future: [],
  record() {
    const s = get();
    set({ past: [...s.past, snapshot(s)].slice(-HISTORY_LIMIT), future: [] });
  },
  undo() {
    const s = get();
    const previous = s.past[s.past.length - 1];
    if (!previous) return;
    set({ past: s.past.slice(0, -1), future: [snapshot(s), ...s.future], ...restore(previous, s) });
    get().documentChanged();
  },
  redo() {
    const s = get();
    const next = s.future[0];
    if (!next) return;
    set({ past: [...s.past, snapshot(s)], future: s.future.slice(1), ...restore(next, s) });
    get().documentChanged();
  },
  clearHistory() {
    set({ past: [], future: [] });
  },
});
