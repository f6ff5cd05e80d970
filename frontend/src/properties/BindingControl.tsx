// "Bind to pipeline parameter": a parameter's value comes from a pipeline parameter at submit,
// `{"$param": name}` in the document, shown in place of the value's editor.
import type { PipelineParameter } from "../api/types";
import { describeValue } from "./values";

export interface BindingToggleProps {
  id: string;
  label: string;
  bound: boolean;
  parameters: PipelineParameter[];
  onToggle(bound: boolean): void;
}

export function BindingToggle({ id, label, bound, parameters, onToggle }: BindingToggleProps) {
  const none = parameters.length === 0 && !bound;
  return (
    <span className="gw-binding-toggle">
      <input
        id={id}
        type="checkbox"
        checked={bound}
        disabled={none}
        aria-describedby={none ? `${id}-none` : undefined}
        onChange={(event) => onToggle(event.target.checked)}
      />
      <label htmlFor={id}>
        {"Bind "}
        <span className="gw-sr-only">{label}</span>
        {" to pipeline parameter"}
      </label>
      {none && (
        <span id={`${id}-none`} className="gw-sr-only">
          Declare a pipeline parameter first.
        </span>
      )}
    </span>
  );
}

/** The pipeline parameter best suited to a parameter of this kind: the same kind, else the first. */
export function bindingCandidate(kind: string, parameters: PipelineParameter[]): string | undefined {
  return (parameters.find((p) => (p.kind ?? "text") === kind) ?? parameters[0])?.name;
}

export interface BindingEditorProps {
  id: string;
  describedBy: string;
  name: string;
  kind: string;
  parameters: PipelineParameter[];
  onBind(name: string): void;
}

export function BindingEditor({ id, describedBy, name, kind, parameters, onBind }: BindingEditorProps) {
  const target = parameters.find((p) => p.name === name);
  const targetKind = target?.kind ?? "text";
  const problem = target ? null : `Pipeline parameter ${name} is not declared; declare it or choose another.`;
  // a value of another kind may still fit (a whole float for an int, a name for columns): a note
  const note = target && targetKind !== kind ? ` ${name} is a ${targetKind} parameter; its value must also fit this ${kind} field.` : "";
  return (
    <div className="gw-binding">
      <select
        id={id}
        className="gw-input"
        value={name}
        aria-invalid={!target || undefined}
        aria-describedby={`${describedBy} ${id}-info`}
        onChange={(event) => onBind(event.target.value)}
      >
        {!target && <option value={name}>{name} (not declared)</option>}
        {parameters.map((p) => (
          <option key={p.name} value={p.name}>
            {p.name} ({p.kind ?? "text"})
          </option>
        ))}
      </select>
      <p id={`${id}-info`} className={problem ? "gw-field-message gw-error" : "gw-help"} aria-live="polite">
        {problem ?? `Set at submit; default ${describeValue(target?.default)}.${note}`}
      </p>
    </div>
  );
}
