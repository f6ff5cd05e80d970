// The pipeline's parameters: declared here (add, edit, remove), given values at submit, and bound
// to node parameters as `{"$param": name}`.
import { useState } from "react";
import type { GraphError, PipelineParameter } from "../api/types";
import { ParameterRow } from "./ParameterRow";
import { MAX_PARAMETERS, freshName } from "./parameterRules";
import "./properties.css";

export interface ParametersPanelProps {
  parameters: PipelineParameter[];
  errors: GraphError[];
  onChange(next: PipelineParameter[]): void;
  /** a parameter was renamed: the owner of the nodes may rewrite their bindings */
  onRename?(from: string, to: string): void;
}

export function ParametersPanel({ parameters, errors, onChange, onRename }: ParametersPanelProps) {
  const [added, setAdded] = useState<number | null>(null); // the row whose name to focus
  const replace = (index: number, next: PipelineParameter) => {
    const before = parameters[index];
    onChange(parameters.map((p, i) => (i === index ? next : p)));
    if (before.name !== next.name) onRename?.(before.name, next.name);
  };
  const add = () => {
    setAdded(parameters.length);
    onChange([...parameters, { name: freshName(parameters), kind: "float" }]);
  };
  const full = parameters.length >= MAX_PARAMETERS;
  const declared = new Set(parameters.map((p) => p.name));
  // errors about pipeline parameters name one and no node; an unknown name has no row to sit by
  const orphan = errors.filter((e) => !e.node && e.param && !declared.has(e.param));
  return (
    <section className="gw-parameters" aria-labelledby="gw-parameters-title">
      <h2 id="gw-parameters-title">Pipeline parameters</h2>
      <p className="gw-help">
        Values given at each submit. Bind a node's parameter to one with “Bind to pipeline parameter”.
      </p>
      {orphan.length > 0 && (
        <ul className="gw-node-errors" role="alert">
          {orphan.map((e, i) => <li key={i}>{e.message}</li>)}
        </ul>
      )}
      {parameters.length === 0 && <p className="gw-help">No pipeline parameter yet.</p>}
      {parameters.map((p, i) => (
        <ParameterRow
          // by position: renaming must not remount the row (and lose what is typed in it)
          key={i}
          idPrefix={`pipeline-param-${i}`}
          parameter={p}
          others={parameters.filter((_, j) => j !== i).map((o) => o.name)}
          errors={errors.filter((e) => !e.node && e.param === p.name).map((e) => e.message)}
          focusName={added === i}
          onChange={(next) => replace(i, next)}
          onRemove={() => {
            setAdded(null);
            onChange(parameters.filter((_, j) => j !== i));
          }}
        />
      ))}
      <button type="button" onClick={add} disabled={full}>
        Add parameter
      </button>
      {full && <p className="gw-help">A pipeline has at most {MAX_PARAMETERS} parameters.</p>}
    </section>
  );
}
