// "Connect…": the keyboard path for wiring. Choose an output of the selected node and an input of
// another node; the same rule as dragging a wire applies and says the same reason.
import { useMemo, useState } from "react";
import { moduleOf, nodeTitle } from "../store/catalogue";
import { useDesignerStoreApi } from "../store/designerStore";
import { Dialog } from "./Dialog";
import { checkInStore } from "./graphView";

interface ConnectDialogProps {
  sourceId: string;
  onClose(): void;
}

export function ConnectDialog({ sourceId, onClose }: ConnectDialogProps) {
  const store = useDesignerStoreApi();
  const s = store.getState();
  const source = s.nodes.find((n) => n.id === sourceId);
  const outputs = source ? moduleOf(s.modules, source.data.doc)?.outputs ?? [] : [];
  const others = useMemo(
    () =>
      s.nodes
        .filter((n) => n.id !== sourceId)
        .map((n) => ({ id: n.id, title: nodeTitle(s.modules, n.data.doc), inputs: moduleOf(s.modules, n.data.doc)?.inputs ?? [] }))
        .filter((n) => n.inputs.length > 0),
    [s.nodes, s.modules, sourceId],
  );
  const [output, setOutput] = useState(outputs[0]?.name ?? "");
  const [targetId, setTargetId] = useState(others[0]?.id ?? "");
  const target = others.find((n) => n.id === targetId);
  const [input, setInput] = useState(target?.inputs[0]?.name ?? "");
  const proposed = { source: sourceId, sourcePort: output, target: targetId, targetPort: input };
  const check = output && targetId && input ? checkInStore(store.getState(), proposed) : null;
  const title = source ? nodeTitle(s.modules, source.data.doc) : sourceId;

  const connect = () => {
    if (!check?.ok) return;
    store.getState().connect(proposed);
    onClose();
  };

  return (
    <Dialog title={`Connect ${title}`} onClose={onClose}>
      {outputs.length === 0 ? (
        <p>{title} has no outputs to connect.</p>
      ) : others.length === 0 ? (
        <p>No other node has an input to connect to.</p>
      ) : (
        <form
          className="gw-form"
          onSubmit={(e) => {
            e.preventDefault();
            connect();
          }}
          onKeyDown={(e) => {
            // a select does not submit its form on Enter; here Enter means "Connect"
            if (e.key === "Enter" && e.target instanceof HTMLSelectElement) {
              e.preventDefault();
              connect();
            }
          }}
        >
          <label>
            Output of {title}
            <select value={output} onChange={(e) => setOutput(e.target.value)}>
              {outputs.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.label || p.name} ({p.type})
                </option>
              ))}
            </select>
          </label>
          <label>
            To node
            <select
              value={targetId}
              onChange={(e) => {
                setTargetId(e.target.value);
                setInput(others.find((n) => n.id === e.target.value)?.inputs[0]?.name ?? "");
              }}
            >
              {others.map((n) => (
                <option key={n.id} value={n.id}>
                  {n.title} ({n.id})
                </option>
              ))}
            </select>
          </label>
          <label>
            Input
            <select value={input} onChange={(e) => setInput(e.target.value)}>
              {(target?.inputs ?? []).map((p) => (
                <option key={p.name} value={p.name}>
                  {p.label || p.name} ({p.type})
                </option>
              ))}
            </select>
          </label>
          <p className="gw-refusal-inline" role="status" aria-live="polite">
            {check && !check.ok ? check.reason : ""}
          </p>
          <div className="gw-dialog-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="gw-primary" aria-disabled={!check?.ok}>
              Connect
            </button>
          </div>
        </form>
      )}
      {(outputs.length === 0 || others.length === 0) && (
        <div className="gw-dialog-actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      )}
    </Dialog>
  );
}
