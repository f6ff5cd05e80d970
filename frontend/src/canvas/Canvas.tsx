// The editing canvas: xyflow bound to the designer store, with the connection rule on every wire,
// drops from the palette, minimap, controls and snapping.
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  SelectionMode,
  useReactFlow,
  useStore,
  type Connection,
  type Edge,
  type FinalConnectionState,
  type IsValidConnection,
  type Viewport,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, type DragEvent } from "react";
import { moduleOf } from "../store/catalogue";
import { useDesigner, useDesignerStoreApi } from "../store/designerStore";
import type { DesignerEdge, DesignerNode } from "../store/types";
import { checkInStore, proposedOf, refusalOf } from "./graphView";
import { nodeTypes } from "./nodeTypes";
import { portColor } from "./portTypes";
import { useRefusal, WiringHint } from "./RefusalTip";

import { MODULE_DRAG_TYPE } from "./dnd";
export const SNAP_GRID: [number, number] = [20, 20];

// A large pipeline opens around its middle at a readable zoom rather than shrunk to dots, so only
// the nodes in view are drawn (onlyRenderVisibleElements) and it opens fast.
const FIT_VIEW_OPTIONS = { padding: 0.15, maxZoom: 1.2, minZoom: 0.35 };
const DEFAULT_EDGE_OPTIONS = { interactionWidth: 14 };

const VIEWPORT_KEY = "graphwright.viewport";
// below this zoom a node's small print (port labels, parameters, comment) is unreadable anyway:
// the canvas drops it and the shadows (CSS), so zoomed out over a large graph it still pans smoothly
const FAR_ZOOM = 0.45;
const isFar = (s: { transform: [number, number, number] }) => s.transform[2] < FAR_ZOOM;

function readViewport(draftId: number | null): Viewport | null {
  if (draftId === null) return null;
  try {
    const v = JSON.parse(localStorage.getItem(`${VIEWPORT_KEY}.${draftId}`) ?? "null");
    return v && [v.x, v.y, v.zoom].every(Number.isFinite) ? (v as Viewport) : null;
  } catch {
    return null;
  }
}

interface CanvasProps {
  snap: boolean;
  /** dragging on the empty canvas draws a selection box instead of panning */
  boxSelect: boolean;
}

const PAN_WITH_MIDDLE_OR_RIGHT = [1, 2];

function pointerOf(event: MouseEvent | TouchEvent): { x: number; y: number } {
  if ("changedTouches" in event && event.changedTouches.length) {
    return { x: event.changedTouches[0].clientX, y: event.changedTouches[0].clientY };
  }
  const mouse = event as MouseEvent;
  return { x: mouse.clientX, y: mouse.clientY };
}

export function Canvas({ snap, boxSelect }: CanvasProps) {
  const store = useDesignerStoreApi();
  const nodes = useDesigner((s) => s.nodes);
  const edges = useDesigner((s) => s.edges);
  const errorsByEdge = useDesigner((s) => s.errors.byEdge);
  const onNodesChange = useDesigner((s) => s.onNodesChange);
  const onEdgesChange = useDesigner((s) => s.onEdgesChange);
  const { screenToFlowPosition, fitView, setViewport } = useReactFlow();
  const far = useStore(isFar);
  const draftId = useDesigner((s) => s.draftId);

  // Back where the user left this draft, else fitted once the pane has its size. (xyflow's own
  // initial fit waits for every node to be measured, which never happens when only the nodes in
  // view are drawn.) An empty draft is not fitted: xyflow would keep the fit queued until the first
  // node is measured, and the first module dropped would jump away from where it was dropped.
  useEffect(() => {
    const saved = readViewport(draftId);
    const fit = () => {
      if (saved) setViewport(saved);
      else if (store.getState().nodes.length > 0) void fitView(FIT_VIEW_OPTIONS);
    };
    const frame = requestAnimationFrame(() => requestAnimationFrame(fit));
    return () => cancelAnimationFrame(frame);
  }, [draftId, fitView, setViewport, store]);

  const onMoveEnd = useCallback(
    (_: unknown, viewport: Viewport) => {
      if (draftId !== null) localStorage.setItem(`${VIEWPORT_KEY}.${draftId}`, JSON.stringify(viewport));
    },
    [draftId],
  );

  // Edges the server found wrong are drawn red and say why; the others keep their identity.
  const shownEdges = useMemo(
    () =>
      edges.map((e): DesignerEdge => {
        const errors = errorsByEdge[e.id];
        return errors ? { ...e, className: "gw-edge--error", ariaLabel: `Edge from ${e.source} to ${e.target}: ${errors[0].message}` } : e;
      }),
    [edges, errorsByEdge],
  );

  const isValidConnection: IsValidConnection<Edge> = useCallback(
    (c) => checkInStore(store.getState(), proposedOf(c)).ok,
    [store],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const proposed = proposedOf(c);
      const check = checkInStore(store.getState(), proposed);
      if (check.ok) store.getState().connect(proposed);
    },
    [store],
  );

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      const reason = refusalOf(store.getState(), state);
      if (!reason) return;
      const at = pointerOf(event);
      useRefusal.getState().show(reason, at.x, at.y);
    },
    [store],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(MODULE_DRAG_TYPE)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const key = event.dataTransfer.getData(MODULE_DRAG_TYPE);
      if (!key) return;
      event.preventDefault();
      const [module, version] = key.split("@");
      const spec = moduleOf(store.getState().modules, { module, version });
      if (!spec) return;
      const at = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      store.getState().addNode(spec, { x: Math.round(at.x - 95), y: Math.round(at.y - 20) });
    },
    [store, screenToFlowPosition],
  );

  const minimapColor = useCallback((n: DesignerNode) => {
    const spec = moduleOf(store.getState().modules, n.data.doc);
    return spec?.outputs[0] ? portColor(spec.outputs[0].type) : "#9aa3b2";
  }, [store]);

  return (
    // data-node-count: how many nodes the draft holds (only those in view are drawn); tests and
    // bench/canvas.py wait on it
    <div className={far ? "gw-canvas gw-canvas--far" : "gw-canvas"} data-node-count={nodes.length}
      onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<DesignerNode, DesignerEdge>
        nodes={nodes}
        edges={shownEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        selectionOnDrag={boxSelect}
        panOnDrag={boxSelect ? PAN_WITH_MIDDLE_OR_RIGHT : true}
        multiSelectionKeyCode={["Meta", "Control"]}
        selectionMode={SelectionMode.Partial}
        snapToGrid={snap}
        snapGrid={SNAP_GRID}
        onlyRenderVisibleElements
        onMoveEnd={onMoveEnd}
        minZoom={0.05}
        maxZoom={2}
        defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
        aria-label="Pipeline canvas"
      >
        <Background gap={SNAP_GRID[0]} />
        <MiniMap pannable zoomable nodeColor={minimapColor} ariaLabel="Minimap of the pipeline" />
        <Controls aria-label="Zoom controls" showInteractive={false} fitViewOptions={FIT_VIEW_OPTIONS} />
        <WiringHint />
      </ReactFlow>
    </div>
  );
}
