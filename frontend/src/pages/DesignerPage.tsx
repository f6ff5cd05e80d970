// The designer at /drafts/:draftId: palette, canvas and the properties or parameters panel, under a
// toolbar; the submit dialog saves first and shows its plan on the canvas.
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import type { ModuleSpec } from "../api/types";
import { Canvas } from "../canvas/Canvas";
import "../canvas/canvas.css";
import { ConnectDialog } from "../canvas/ConnectDialog";
import { ErrorsPanel } from "../canvas/ErrorsPanel";
import { DroppedRefusal } from "../canvas/RefusalTip";
import { RescueBanner } from "../canvas/RescueBanner";
import { ConflictBanner } from "../canvas/SaveState";
import { SidePanel } from "../canvas/SidePanel";
import { Toolbar } from "../canvas/Toolbar";
import { useCanvasKeys } from "../canvas/useCanvasKeys";
import { useDraftLoader, useTargets } from "../canvas/useDraftLoader";
import { Palette } from "../palette/Palette";
import { SubmitDialog } from "../submit/SubmitDialog";
import { designerApi } from "../store/designerApi";
import { createDesignerStore, DesignerStoreContext, useDesigner, useDesignerStoreApi } from "../store/designerStore";
import type { PipelineDocument } from "../api/types";

/** One store for the designer, kept across pages so a save still in flight ends after leaving. */
const designerStore = createDesignerStore(designerApi);

const SNAP_KEY = "graphwright.snap";
const ADD_OFFSET = { x: 30, y: 150 };

/** `at`, or the first place stepping down-right from it that no node already occupies. */
function freeSpot(at: { x: number; y: number }, nodes: readonly { position: { x: number; y: number } }[]) {
  const spot = { ...at };
  const taken = (p: { x: number; y: number }) => nodes.some((n) => Math.abs(n.position.x - p.x) < 150 && Math.abs(n.position.y - p.y) < 80);
  for (let i = 0; i < 50 && taken(spot); i++) spot.y += 110;
  return spot;
}

function useSnap(): [boolean, () => void] {
  const [snap, setSnap] = useState(() => localStorage.getItem(SNAP_KEY) === "1");
  const toggle = useCallback(() => {
    setSnap((on) => {
      localStorage.setItem(SNAP_KEY, on ? "0" : "1");
      return !on;
    });
  }, []);
  return [snap, toggle];
}

function DesignerView({ draftId }: { draftId: number }) {
  const store = useDesignerStoreApi();
  const load = useDraftLoader(store, designerApi, draftId);
  const targets = useTargets(useDesigner((s) => s.workspace));
  const modules = useDesigner((s) => s.modules.list);
  const name = useDesigner((s) => s.meta.name);
  const { fitView, screenToFlowPosition } = useReactFlow();
  const navigate = useNavigate();
  const root = useRef<HTMLDivElement>(null);
  const canvasBox = useRef<HTMLDivElement>(null);
  const [snap, toggleSnap] = useSnap();
  const [errorsOpen, setErrorsOpen] = useState(false);
  const [boxSelect, setBoxSelect] = useState(false);
  const [connectFrom, setConnectFrom] = useState<string | null>(null);
  const [layingOut, setLayingOut] = useState(false);
  const [submitDoc, setSubmitDoc] = useState<PipelineDocument | null>(null);
  const [notice, setNotice] = useState("");
  useCanvasKeys(store, root);

  useEffect(() => {
    document.title = `${name || "Untitled pipeline"} · Graphwright`;
  }, [name]);

  const addModule = useCallback(
    (module: ModuleSpec) => {
      const selected = store.getState().nodes.find((n) => n.selected);
      let at: { x: number; y: number };
      if (selected) {
        at = { x: selected.position.x + ADD_OFFSET.x, y: selected.position.y + ADD_OFFSET.y };
      } else {
        const box = canvasBox.current?.getBoundingClientRect();
        const centre = screenToFlowPosition({ x: (box?.left ?? 0) + (box?.width ?? 0) / 2, y: (box?.top ?? 0) + (box?.height ?? 0) / 2 });
        at = { x: Math.round(centre.x - 95), y: Math.round(centre.y - 40) };
      }
      store.getState().addNode(module, freeSpot(at, store.getState().nodes));
    },
    [store, screenToFlowPosition],
  );

  const layout = useCallback(async () => {
    setLayingOut(true);
    try {
      const { layoutPositions } = await import("../canvas/layout"); // elkjs is large: loaded when first used
      const s = store.getState();
      s.setPositions(await layoutPositions(s.nodes, s.edges));
      requestAnimationFrame(() => void fitView({ padding: 0.15, maxZoom: 1.2, duration: 300 }));
    } catch (err) {
      setNotice(`Auto-layout failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setLayingOut(false);
    }
  }, [store, fitView]);

  const openConnect = useCallback(() => {
    const selected = store.getState().nodes.filter((n) => n.selected);
    if (selected.length === 1) setConnectFrom(selected[0].id);
  }, [store]);

  const submit = useCallback(async () => {
    setNotice("");
    const saved = await store.getState().flush();
    if (!saved) {
      setNotice("Submit needs the draft saved first: resolve the save problem shown next to the name.");
      return;
    }
    setSubmitDoc(store.getState().toDocument());
  }, [store]);

  const closeSubmit = useCallback(() => {
    setSubmitDoc(null);
    store.getState().setPlan(null);
  }, [store]);

  if (load.state === "failed") {
    return (
      <div className="gw-designer-message">
        <h1>Pipeline not available</h1>
        <p role="alert">{load.message}</p>
        <Link to="/">Back to the pipelines</Link>
      </div>
    );
  }

  return (
    <div className="gw-designer" ref={root}>
      <Toolbar
        snap={snap}
        boxSelect={boxSelect}
        onToggleBoxSelect={() => setBoxSelect((on) => !on)}
        errorsOpen={errorsOpen}
        layingOut={layingOut}
        onToggleSnap={toggleSnap}
        onToggleErrors={() => setErrorsOpen((open) => !open)}
        onConnect={openConnect}
        onLayout={layout}
        onFit={() => void fitView({ padding: 0.15, maxZoom: 1.2, duration: 300 })}
        onSubmit={submit}
      />
      <ConflictBanner />
      <RescueBanner />
      {notice && (
        <p className="gw-notice" role="alert">
          {notice}
          <button type="button" onClick={() => setNotice("")} aria-label="Dismiss">
            ×
          </button>
        </p>
      )}
      <div className="gw-designer-body">
        <Palette modules={modules} onAdd={addModule} />
        <div className="gw-canvas-box" ref={canvasBox}>
          {load.state === "loading" ? <p className="gw-designer-loading" role="status">Loading the pipeline…</p> : <Canvas snap={snap} boxSelect={boxSelect} />}
          {errorsOpen && <ErrorsPanel onClose={() => setErrorsOpen(false)} />}
        </div>
        <SidePanel targets={targets} />
      </div>
      <DroppedRefusal />
      {connectFrom && <ConnectDialog sourceId={connectFrom} onClose={() => setConnectFrom(null)} />}
      {submitDoc && (
        <SubmitDialog
          draftId={draftId}
          document={submitDoc}
          open
          onClose={closeSubmit}
          onPlan={(plan) => store.getState().setPlan(plan)}
          onSubmitted={(runId) => {
            store.getState().setPlan(null);
            navigate(`/runs/${runId}`);
          }}
        />
      )}
    </div>
  );
}

export function DesignerPage() {
  const { draftId } = useParams();
  const id = Number(draftId);
  if (!Number.isInteger(id) || id <= 0) {
    return (
      <div className="gw-designer-message">
        <h1>Pipeline not available</h1>
        <p role="alert">“{draftId}” is not a draft number.</p>
        <Link to="/">Back to the pipelines</Link>
      </div>
    );
  }
  return (
    <DesignerStoreContext.Provider value={designerStore}>
      <ReactFlowProvider>
        <DesignerView key={id} draftId={id} />
      </ReactFlowProvider>
    </DesignerStoreContext.Provider>
  );
}
