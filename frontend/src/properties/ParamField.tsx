// One module parameter's field, drawn from its kind (modules_catalog/schema.py `param_json`), or
// its binding to a pipeline parameter. `onCommit(undefined)` removes the value: the default holds.
import { useRef, type ReactNode } from "react";
import type { ColumnInfo, ParamSpec, PipelineParameter, PortSpec } from "../api/types";
import { FieldShell, type FieldError, type FieldIds } from "./FieldShell";
import { BindingEditor, BindingToggle, bindingCandidate } from "./BindingControl";
import { NumberInput } from "./editors/NumberInput";
import { CheckboxInput, ChoiceSelect, TextInput } from "./editors/SimpleInputs";
import { CodeEditor } from "./editors/CodeEditor";
import { DatasetPicker } from "./editors/DatasetPicker";
import { ColumnPicker } from "./editors/ColumnPicker";
import { RangeEditor, type RangeItem } from "./editors/RangeEditor";
import { asColumnRules } from "./editors/columnRules";
import { asColumnList, asDatasetRef, isBinding, isEmptyValue, rangeHint, type NumberRule } from "./values";

export interface ParamFieldProps {
  idPrefix: string;
  spec: ParamSpec;
  /** the node's value; undefined when the document leaves it to the default */
  value: unknown;
  /** the server's errors about this parameter, each with its hint */
  errors: (string | FieldError)[];
  inputs: PortSpec[];
  inputSchemas: Record<string, ColumnInfo[] | null>;
  pipelineParameters: PipelineParameter[];
  workspaceId: number;
  workspaceSlug?: string;
  onCommit(value: unknown): void;
}

function numberRule(spec: ParamSpec): NumberRule {
  const bound = (v: unknown) => (typeof v === "number" ? v : null);
  return { integer: spec.kind === "int", min: bound(spec.min), max: bound(spec.max) };
}

/** The known columns of a columns parameter's input port (null or undefined: not known). */
function schemaOf(props: ParamFieldProps): ColumnInfo[] | null | undefined {
  return props.inputSchemas[typeof props.spec.port === "string" ? props.spec.port : ""];
}

function editor(props: ParamFieldProps, ids: FieldIds): ReactNode {
  const { spec, value, onCommit } = props;
  const current = value === undefined ? spec.default : value;
  const required = spec.required;
  switch (spec.kind) {
    case "int":
    case "float":
      return (
        <NumberInput ids={ids} value={typeof current === "number" ? current : undefined} rule={numberRule(spec)}
          required={required} onCommit={onCommit} />
      );
    case "bool":
      return <CheckboxInput ids={ids} checked={current === true} onCommit={onCommit} />;
    case "choice":
      return (
        <ChoiceSelect ids={ids} value={typeof current === "string" ? current : undefined} required={required}
          choices={Array.isArray(spec.choices) ? spec.choices.map(String) : []}
          emptyLabel={required ? undefined : "— none —"} onCommit={onCommit} />
      );
    case "code":
      return <CodeEditor ids={ids} value={typeof current === "string" ? current : ""} onCommit={onCommit} />;
    case "dataset":
      return (
        <DatasetPicker ids={ids} workspaceId={props.workspaceId} workspaceSlug={props.workspaceSlug}
          value={asDatasetRef(current)} required={required} onCommit={onCommit} />
      );
    case "columns": {
      const port = typeof spec.port === "string" ? spec.port : "";
      const portSpec = props.inputs.find((p) => p.name === port);
      return (
        <ColumnPicker ids={ids} schema={schemaOf(props)} portLabel={portSpec?.label || port}
          multiple={spec.multiple !== false} value={asColumnList(current)} rules={asColumnRules(current)}
          required={required} onCommit={onCommit} />
      );
    }
    case "range":
      return (
        <RangeEditor ids={ids} value={current} item={(spec.item ?? "float") as RangeItem}
          min={numberRule(spec).min} max={numberRule(spec).max}
          choices={Array.isArray(spec.choices) ? spec.choices.map(String) : []} required={required} onCommit={onCommit} />
      );
    default: // text, and any kind this front end does not know yet
      return (
        <TextInput ids={ids} value={typeof current === "string" ? current : current == null ? "" : JSON.stringify(current)}
          required={required}
          onCommit={(text) => onCommit(text === "" && isEmptyValue(spec.default) ? undefined : text)} />
      );
  }
}

export function ParamField(props: ParamFieldProps) {
  const { idPrefix, spec, value, errors, pipelineParameters, onCommit } = props;
  const id = `${idPrefix}-param-${spec.name}`;
  const remembered = useRef<unknown>(undefined); // the value before binding, back when unbound
  const bound = isBinding(value);
  const label = spec.label || spec.name;
  const kind = spec.kind === "int" || spec.kind === "float" ? rangeHint(numberRule(spec)) : "";
  const missing = spec.required && !bound && errors.length === 0 && isEmptyValue(value === undefined ? spec.default : value);
  const toggle = (on: boolean) => {
    if (on) {
      const name = bindingCandidate(spec.kind, pipelineParameters);
      if (!name) return;
      remembered.current = value;
      onCommit({ $param: name });
    } else {
      onCommit(remembered.current);
      remembered.current = undefined;
    }
  };
  return (
    <FieldShell
      id={id}
      label={label}
      required={spec.required}
      help={spec.help}
      hint={kind}
      errors={missing ? [`${label} needs a value.`] : errors}
      group={!bound && (spec.kind === "dataset" || spec.kind === "range" || (spec.kind === "columns" && spec.multiple !== false
        && (!!schemaOf(props) || asColumnRules(value === undefined ? spec.default : value) !== null)))}
      aside={<BindingToggle id={`${id}-bind`} label={label} bound={bound} parameters={pipelineParameters} onToggle={toggle} />}
    >
      {(ids) =>
        bound ? (
          <BindingEditor id={ids.control} describedBy={ids.describedBy} name={value.$param} kind={spec.kind}
            parameters={pipelineParameters} onBind={(name) => onCommit({ $param: name })} />
        ) : (
          editor(props, ids)
        )
      }
    </FieldShell>
  );
}
