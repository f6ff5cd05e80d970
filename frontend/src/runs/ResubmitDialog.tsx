// "Re-submit with changes…": the version's pipeline parameters with this run's values, typed and
// checked as the user types; an optional experiment and force rerun; POST versions/<id>/submit/.
import { useState, type FormEvent } from "react";
import type { PipelineParameter } from "../api/types";
import { Dialog } from "../canvas/Dialog";
import { errorMessages, submitVersion } from "./api";
import { describeParam, fieldKind, parseAll, valueToText } from "./pipelineParams";

interface Props {
  versionId: number;
  parameters: PipelineParameter[];
  values: Record<string, unknown>; // this run's values
  experiment: string;
  onClose: () => void;
  onSubmitted: (runId: number) => void;
  submit?: typeof submitVersion;
}

function ParamField({ p, text, error, onChange }: { p: PipelineParameter; text: string; error?: string; onChange: (t: string) => void }) {
  const id = `resubmit-param-${p.name}`;
  const hint = describeParam(p);
  const describedBy = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const kind = fieldKind(p);
  const label = (p as PipelineParameter & { label?: string }).label || p.name;
  let input;
  if (kind === "bool") {
    input = (
      <input id={id} type="checkbox" checked={text === "true"} onChange={(e) => onChange(e.target.checked ? "true" : "false")}
        aria-describedby={describedBy} />
    );
  } else if (kind === "choice") {
    input = (
      <select id={id} value={text} onChange={(e) => onChange(e.target.value)} aria-invalid={!!error} aria-describedby={describedBy}>
        {(p.choices ?? []).map((c) => (
          <option key={String(c)} value={String(c)}>
            {String(c)}
          </option>
        ))}
      </select>
    );
  } else if (kind === "code") {
    input = (
      <textarea id={id} value={text} rows={6} spellCheck={false} onChange={(e) => onChange(e.target.value)}
        aria-invalid={!!error} aria-describedby={describedBy} />
    );
  } else {
    input = (
      <input id={id} type="text" inputMode={kind === "number" ? "decimal" : undefined} value={text}
        onChange={(e) => onChange(e.target.value)} aria-invalid={!!error} aria-describedby={describedBy} />
    );
  }
  return (
    <div className={`run-field${error ? " run-field-invalid" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {input}
      {hint && <small id={`${id}-hint`}>{hint}</small>}
      {error && (
        <small id={`${id}-error`} className="run-field-error">
          {error}
        </small>
      )}
    </div>
  );
}

export function ResubmitDialog({ versionId, parameters, values, experiment, onClose, onSubmitted, submit = submitVersion }: Props) {
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(parameters.map((p) => [p.name, valueToText(p, values[p.name] ?? p.default)])),
  );
  const [exp, setExp] = useState(experiment);
  const [force, setForce] = useState(false);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [serverErrors, setServerErrors] = useState<string[]>([]);
  const { values: parsed, errors } = parseAll(parameters, texts);
  const shownErrors = touched ? errors : {};

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    setServerErrors([]);
    try {
      const input = { params: parsed, force, ...(exp.trim() ? { experiment: exp.trim() } : {}) };
      onSubmitted(await submit(versionId, input));
    } catch (error) {
      setServerErrors(errorMessages(error));
      setBusy(false);
    }
  };

  return (
    <Dialog title="Re-submit with changes" onClose={onClose} className="run-dialog">
      <form className="run-dialog-form" onSubmit={onSubmit} noValidate>
        {parameters.length === 0 ? (
          <p>This pipeline declares no pipeline parameters; it runs again as it is.</p>
        ) : (
          <fieldset>
            <legend>Pipeline parameters</legend>
            {parameters.map((p) => (
              <ParamField key={p.name} p={p} text={texts[p.name] ?? ""} error={shownErrors[p.name]}
                onChange={(t) => {
                  setTouched(true);
                  setTexts((old) => ({ ...old, [p.name]: t }));
                }} />
            ))}
          </fieldset>
        )}
        <div className="run-field">
          <label htmlFor="resubmit-experiment">Experiment (optional)</label>
          <input id="resubmit-experiment" type="text" maxLength={200} value={exp} onChange={(e) => setExp(e.target.value)} />
        </div>
        <div className="run-field run-field-inline">
          <input id="resubmit-force" type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
          <label htmlFor="resubmit-force">Force rerun (reuse nothing)</label>
        </div>
        {serverErrors.length > 0 && (
          <div role="alert" className="run-errors">
            <p>The server refused the submit:</p>
            <ul>
              {serverErrors.map((m, i) => (
                <li key={i}>{m}</li>
              ))}
            </ul>
          </div>
        )}
        <div className="run-dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Submitting…" : "Submit run"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
