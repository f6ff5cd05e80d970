// One pipeline parameter's value in the submit dialog, typed by its kind and checked as typed;
// what is typed is the dialog's state, so a refused submit loses nothing.
import type { PipelineParameter } from "../api/types";
import { FieldMessage, FieldShell } from "../properties/FieldShell";
import { KIND_LABELS, kindOf, numberRule } from "../properties/parameterRules";
import { rangeHint } from "../properties/values";

export interface ParameterValueFieldProps {
  parameter: PipelineParameter;
  text: string;
  problem?: string;
  errors: string[];
  onChange(text: string): void;
}

function hintOf(p: PipelineParameter): string {
  const kind = kindOf(p);
  const range = kind === "int" || kind === "float" ? rangeHint(numberRule(p)) : "";
  const shape = kind === "columns" ? "names separated by commas" : kind === "dataset" ? "name or name@version" : "";
  return [KIND_LABELS[kind] ?? kind, range, shape].filter(Boolean).join(", ");
}

export function ParameterValueField({ parameter: p, text, problem, errors, onChange }: ParameterValueFieldProps) {
  const kind = kindOf(p);
  const noDefault = p.default === undefined || p.default === null;
  return (
    <FieldShell id={`submit-param-${p.name}`} label={p.name} help={p.help} hint={hintOf(p)} errors={errors}>
      {(ids) => {
        const common = {
          id: ids.control,
          className: "gw-input",
          "aria-invalid": problem ? true : undefined,
          "aria-describedby": ids.describedBy,
        } as const;
        let control;
        if (kind === "choice" || kind === "bool") {
          const options = kind === "bool" ? ["true", "false"] : (p.choices ?? []).map(String);
          control = (
            <select {...common} value={text} onChange={(event) => onChange(event.target.value)}>
              {(noDefault || text === "") && <option value="">— none —</option>}
              {options.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          );
        } else if (kind === "code") {
          control = <textarea {...common} rows={4} value={text} onChange={(event) => onChange(event.target.value)} />;
        } else {
          control = (
            <input {...common} type="text" inputMode={kind === "int" ? "numeric" : kind === "float" ? "decimal" : undefined}
              value={text} placeholder={noDefault ? "no default" : undefined} onChange={(event) => onChange(event.target.value)} />
          );
        }
        return (
          <>
            {control}
            <FieldMessage id={ids.message} message={problem} />
          </>
        );
      }}
    </FieldShell>
  );
}
