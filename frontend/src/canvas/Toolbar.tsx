// The designer's toolbar: name, save state, undo/redo, connect, layout, fit, snap, errors, submit.
import { useDesigner } from "../store/designerStore";
import { DraftName } from "./DraftName";
import { SaveState } from "./SaveState";

interface ToolbarProps {
  snap: boolean;
  boxSelect: boolean;
  onToggleBoxSelect(): void;
  errorsOpen: boolean;
  layingOut: boolean;
  onToggleSnap(): void;
  onToggleErrors(): void;
  onConnect(): void;
  onLayout(): void;
  onFit(): void;
  onSubmit(): void;
}

const MOD = typeof navigator !== "undefined" && /Mac/.test(navigator.platform) ? "⌘" : "Ctrl+";

export function Toolbar(props: ToolbarProps) {
  const canUndo = useDesigner((s) => s.past.length > 0);
  const canRedo = useDesigner((s) => s.future.length > 0);
  const undo = useDesigner((s) => s.undo);
  const redo = useDesigner((s) => s.redo);
  const errorCount = useDesigner((s) => s.errors.all.length);
  const oneSelected = useDesigner((s) => {
    let count = 0;
    for (const n of s.nodes) if (n.selected && ++count > 1) return false;
    return count === 1;
  });
  const empty = useDesigner((s) => s.nodes.length === 0);

  return (
    <div className="gw-toolbar" role="toolbar" aria-label="Designer">
      <DraftName />
      <SaveState />
      <span className="gw-toolbar-gap" />
      <button type="button" onClick={undo} disabled={!canUndo} title={`Undo (${MOD}Z)`}>
        Undo
      </button>
      <button type="button" onClick={redo} disabled={!canRedo} title={`Redo (${MOD}Shift+Z)`}>
        Redo
      </button>
      <button type="button" onClick={props.onConnect} disabled={!oneSelected} title="Connect an output of the selected node to another node's input">
        Connect…
      </button>
      <button type="button" onClick={props.onLayout} disabled={empty || props.layingOut}>
        {props.layingOut ? "Laying out…" : "Auto-layout"}
      </button>
      <button type="button" onClick={props.onFit} disabled={empty}>
        Fit view
      </button>
      <button type="button" aria-pressed={props.boxSelect} onClick={props.onToggleBoxSelect} title="Drag on the canvas to select a box of nodes (or hold Shift while dragging)">
        Box select
      </button>
      <button type="button" aria-pressed={props.snap} onClick={props.onToggleSnap}>
        Snap to grid
      </button>
      <button
        type="button"
        aria-pressed={props.errorsOpen}
        className={errorCount ? "gw-errors-button gw-errors-button--some" : "gw-errors-button"}
        onClick={props.onToggleErrors}
      >
        Errors ({errorCount})
      </button>
      <button type="button" className="gw-primary" onClick={props.onSubmit} disabled={empty}>
        Submit…
      </button>
    </div>
  );
}
