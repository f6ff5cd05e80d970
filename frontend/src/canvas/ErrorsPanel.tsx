// The list of every error of the pipeline; each entry jumps to what it names (selects the node and
// centres the view on it).
import { useReactFlow } from "@xyflow/react";
import type { GraphError } from "../api/types";
import { nodeTitle } from "../store/catalogue";
import { useDesigner, useDesignerStoreApi } from "../store/designerStore";

interface ErrorsPanelProps {
  onClose(): void;
}

/** The node an error is about: its own node, or the target of the edge it names. */
export function nodeOfError(error: GraphError, edges: { id: string; target: string }[]): string | null {
  if (error.node) return error.node;
  if (error.edge) return edges.find((e) => e.id === error.edge)?.target ?? null;
  return null;
}

export function ErrorsPanel({ onClose }: ErrorsPanelProps) {
  const store = useDesignerStoreApi();
  const errors = useDesigner((s) => s.errors.all);
  const message = useDesigner((s) => s.validationMessage);
  const { setCenter, getInternalNode } = useReactFlow();

  const jump = (error: GraphError) => {
    const s = store.getState();
    const id = nodeOfError(error, s.edges);
    if (!id) {
      s.selectOnly([]); // pipeline-level: the parameters panel shows when nothing is selected
      return;
    }
    s.selectOnly([id]);
    const node = getInternalNode(id);
    if (node) {
      const { x, y } = node.internals.positionAbsolute;
      void setCenter(x + (node.measured.width ?? 190) / 2, y + (node.measured.height ?? 80) / 2, { zoom: 1, duration: 300 });
    }
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`)?.focus());
  };

  const describe = (error: GraphError) => {
    const s = store.getState();
    const id = nodeOfError(error, s.edges);
    const node = id ? s.nodes.find((n) => n.id === id) : undefined;
    const where = node ? nodeTitle(s.modules, node.data.doc) : error.param ? "Pipeline parameters" : "Pipeline";
    return `${where}${error.port ? ` · ${error.port}` : ""}${error.param ? ` · ${error.param}` : ""}`;
  };

  return (
    <section className="gw-errors-panel" aria-labelledby="gw-errors-title">
      <header>
        <h2 id="gw-errors-title">Errors ({errors.length})</h2>
        <button type="button" onClick={onClose} aria-label="Close the errors list">
          ×
        </button>
      </header>
      {message && <p className="gw-problem">{message}</p>}
      {errors.length === 0 ? (
        <p>No errors: the pipeline is ready to submit.</p>
      ) : (
        <ul>
          {errors.map((error, i) => (
            <li key={i}>
              <button type="button" onClick={() => jump(error)}>
                <span className="gw-errors-where">{describe(error)}</span>
                <span>{error.message}</span>
                {error.hint && <span className="gw-errors-hint">{error.hint}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
