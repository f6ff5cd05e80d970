// One pipeline parameter's declaration: name, kind, default, range or choices, help.
import { useEffect, useRef } from "react";
import type { PipelineParameter } from "../api/types";
import { FieldMessage, FieldShell, type FieldIds } from "./FieldShell";
import { NumberInput } from "./editors/NumberInput";
import { ChoiceSelect, TextInput } from "./editors/SimpleInputs";
import { ValueText } from "./ValueText";
import { useDraftText } from "./useDraftText";
import { KIND_LABELS, NAME_RULE, PARAM_KINDS, kindOf, nameProblem, parseChoices, valueProblem, withKind } from "./parameterRules";

export interface ParameterRowProps {
  idPrefix: string;
  parameter: PipelineParameter;
  /** the names of the other parameters */
  others: string[];
  errors: string[];
  focusName?: boolean;
  onChange(next: PipelineParameter): void;
  onRemove(): void;
}

function NameInput({ ids, name, others, focus, onCommit }: {
  ids: FieldIds; name: string; others: string[]; focus?: boolean; onCommit(name: string): void;
}) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!focus) return;
    input.current?.focus();
    input.current?.select();
  }, [focus]);
  const draft = useDraftText(name, (text) => {
    if (nameProblem(text, others)) return false;
    onCommit(text);
    return true;
  });
  const message = draft.editing ? nameProblem(draft.text, others) : null;
  return (
    <>
      <input ref={input} id={ids.control} type="text" className="gw-input" value={draft.text} aria-required
        aria-invalid={message ? true : undefined} aria-describedby={ids.describedBy} onChange={draft.onChange}
        onBlur={draft.onBlur} onKeyDown={draft.onKeyDown} />
      <FieldMessage id={ids.message} message={message} />
    </>
  );
}

function ChoicesInput({ ids, choices, onCommit }: { ids: FieldIds; choices: string[]; onCommit(c: string[]): void }) {
  const draft = useDraftText(choices.join("\n"), (text) => {
    const parsed = parseChoices(text);
    if (!parsed.ok) return false;
    onCommit(parsed.value);
    return true;
  }, true);
  const parsed = draft.editing ? parseChoices(draft.text) : null;
  const message = parsed && !parsed.ok ? parsed.message : choices.length === 0 ? "Declare at least one choice." : null;
  return (
    <>
      <textarea id={ids.control} rows={3} className="gw-input" value={draft.text} aria-invalid={message ? true : undefined}
        aria-describedby={ids.describedBy} onChange={draft.onChange} onBlur={draft.onBlur} onKeyDown={draft.onKeyDown} />
      <FieldMessage id={ids.message} message={message} />
    </>
  );
}

export function ParameterRow({ idPrefix, parameter: p, others, errors, focusName, onChange, onRemove }: ParameterRowProps) {
  const id = (field: string) => `${idPrefix}-${field}`;
  const kind = kindOf(p);
  const numeric = kind === "int" || kind === "float";
  const set = (patch: Partial<PipelineParameter>) => {
    const next: PipelineParameter = { ...p, ...patch };
    for (const key of Object.keys(patch) as (keyof PipelineParameter)[]) if (next[key] === undefined) delete next[key];
    onChange(next);
  };
  const rangeProblem = numeric && p.min != null && p.max != null && p.min > p.max ? "The minimum is above the maximum." : null;
  return (
    <fieldset className="gw-parameter" aria-describedby={errors.length ? id("errors") : undefined}>
      <legend>Parameter {p.name}</legend>
      {errors.length > 0 && (
        <ul id={id("errors")} className="gw-field-errors">
          {errors.map((e, i) => <li key={i}>{e}</li>)}
        </ul>
      )}
      <FieldShell id={id("name")} label="Name" required hint={NAME_RULE}>
        {(ids) => <NameInput ids={ids} name={p.name} others={others} focus={focusName} onCommit={(name) => set({ name })} />}
      </FieldShell>
      <FieldShell id={id("kind")} label="Kind">
        {(ids) => (
          <select id={ids.control} className="gw-input" value={kind} aria-describedby={ids.describedBy}
            onChange={(event) => onChange(withKind(p, event.target.value))}>
            {PARAM_KINDS.map((k) => <option key={k} value={k}>{KIND_LABELS[k]} ({k})</option>)}
          </select>
        )}
      </FieldShell>
      {kind === "choice" && (
        <FieldShell id={id("choices")} label="Choices" help="One a line.">
          {(ids) => <ChoicesInput ids={ids} choices={(p.choices ?? []).map(String)} onCommit={(choices) => set({ choices })} />}
        </FieldShell>
      )}
      {numeric && (
        <>
          <FieldShell id={id("min")} label="Minimum" help="Empty: no lower bound.">
            {(ids) => <NumberInput ids={ids} value={p.min ?? undefined} rule={{ integer: kind === "int" }} onCommit={(min) => set({ min })} />}
          </FieldShell>
          <FieldShell id={id("max")} label="Maximum" help="Empty: no upper bound." errors={rangeProblem ? [rangeProblem] : []}>
            {(ids) => <NumberInput ids={ids} value={p.max ?? undefined} rule={{ integer: kind === "int" }} onCommit={(max) => set({ max })} />}
          </FieldShell>
        </>
      )}
      <FieldShell id={id("default")} label="Default" help="Used when a submit gives no value; empty: none.">
        {(ids) =>
          kind === "choice" || kind === "bool" ? (
            <ChoiceSelect ids={ids} value={p.default == null ? undefined : String(p.default)} emptyLabel="— none —"
              choices={kind === "bool" ? ["true", "false"] : (p.choices ?? []).map(String)}
              onCommit={(v) => set({ default: kind === "bool" && v !== undefined ? v === "true" : v })} />
          ) : (
            <ValueText ids={ids} parameter={p} value={p.default} problem={valueProblem(p, p.default)}
              onCommit={(value) => set({ default: value })} />
          )
        }
      </FieldShell>
      <FieldShell id={id("help")} label="Help" help="Shown beside the value at submit.">
        {(ids) => <TextInput ids={ids} value={p.help ?? ""} multiline onCommit={(help) => set({ help: help || undefined })} />}
      </FieldShell>
      <button type="button" className="gw-remove" onClick={onRemove}>
        Remove parameter {p.name}
      </button>
    </fieldset>
  );
}
