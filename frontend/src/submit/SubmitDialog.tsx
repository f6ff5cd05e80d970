// Submit a saved draft: experiment, pipeline parameter values, force rerun; the plan (which nodes
// run, which are reused, and why) is shown here and handed to the canvas before confirming.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import type { GraphError, PipelineDocument } from "../api/types";
import { useCurrentWorkspace } from "../app/hooks";
import { FieldMessage, FieldShell } from "../properties/FieldShell";
import { ParameterValueField } from "./ParameterValueField";
import { PlanSummary } from "./PlanSummary";
import { errorsOf, fetchExperiments, submitDraft, type PlanMark } from "./submitApi";
import { DEFAULT_EXPERIMENT, experimentProblem, initialText, readValues } from "./submitValues";
import { useDialogFocus } from "./useDialogFocus";
import { usePlan } from "./usePlan";
import "../properties/properties.css";
import "./submit.css";

export type { PlanMark } from "./submitApi";

export interface SubmitDialogProps {
  draftId: number;
  document: PipelineDocument;
  open: boolean;
  onClose(): void;
  onPlan(plan: PlanMark[] | null): void;
  onSubmitted(runId: number): void;
  /** the workspace whose experiments are offered; default: the one the app shows */
  workspaceSlug?: string;
}

export function SubmitDialog(props: SubmitDialogProps) {
  const { draftId, document, open, onClose } = props;
  const parameters = document.parameters ?? [];
  const [experiment, setExperiment] = useState("");
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [force, setForce] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [serverErrors, setServerErrors] = useState<GraphError[]>([]);
  const [triedSubmit, setTriedSubmit] = useState(false);
  const dialog = useRef<HTMLDivElement>(null);
  const id = useId();

  // the canvas shows marks only between a plan and the dialog closing or the values going bad
  const onPlan = useRef(props.onPlan);
  onPlan.current = props.onPlan;
  const marksShown = useRef(false);
  const report = useCallback((plan: PlanMark[] | null) => {
    if (plan === null && !marksShown.current) return;
    marksShown.current = plan !== null;
    onPlan.current(plan);
  }, []);
  useEffect(() => () => report(null), [report]);

  const { values, problems } = readValues(parameters, texts);
  const expProblem = experimentProblem(experiment);
  const valid = Object.keys(problems).length === 0;
  const plan = usePlan({ draftId, body: { params: values, force }, enabled: open && valid, onPlan: report });

  const current = useCurrentWorkspace();
  const slug = props.workspaceSlug ?? current?.slug;
  const experiments = useQuery({
    queryKey: ["experiments", slug ?? null],
    queryFn: () => fetchExperiments(slug),
    enabled: open,
  });

  const onKeyDown = useDialogFocus(dialog, open, onClose);
  if (!open) return <></>;

  // where a server error belongs: the experiment field, a parameter's field, or the list
  const placeOf = (e: GraphError): string | null => {
    if (e.field === "experiment") return "experiment";
    if (e.node) return null;
    const name = e.param ?? (e.field?.startsWith("params.") ? e.field.slice("params.".length) : undefined);
    return name !== undefined && parameters.some((p) => p.name === name) ? `param:${name}` : null;
  };
  const errorsAt = (place: string) => serverErrors.filter((e) => placeOf(e) === place).map((e) => e.message);
  const general = serverErrors.filter((e) => placeOf(e) === null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTriedSubmit(true);
    if (!valid || expProblem || submitting) return;
    setSubmitting(true);
    setServerErrors([]);
    try {
      const result = await submitDraft(draftId, { params: values, force, experiment: experiment.trim() || null });
      props.onSubmitted(result.run.id);
    } catch (error) {
      setServerErrors(errorsOf(error));
    } finally {
      setSubmitting(false);
    }
  };

  const blocked = valid ? null : "Fix the values marked above to see which nodes will run.";
  return (
    <div className="gw-dialog-backdrop">
      <div ref={dialog} role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} aria-describedby={`${id}-desc`}
        className="gw-dialog" onKeyDown={onKeyDown} tabIndex={-1}>
        <h2 id={`${id}-title`}>Submit pipeline</h2>
        <p id={`${id}-desc`} className="gw-help">
          Runs the saved draft{document.name ? ` “${document.name}”` : ""}. Nodes whose inputs, parameters and code are
          unchanged reuse their earlier results unless you force a rerun.
        </p>
        <form onSubmit={submit} noValidate>
          <FieldShell id={`${id}-experiment`} label="Experiment" errors={errorsAt("experiment")}
            help={`Choose an existing experiment or type a new name; empty: ${DEFAULT_EXPERIMENT}.`}>
            {(ids) => (
              <>
                <input id={ids.control} data-autofocus type="text" className="gw-input" list={`${id}-experiments`}
                  value={experiment} maxLength={64} placeholder={DEFAULT_EXPERIMENT} autoComplete="off"
                  aria-invalid={expProblem ? true : undefined} aria-describedby={ids.describedBy}
                  onChange={(event) => setExperiment(event.target.value)} />
                <datalist id={`${id}-experiments`}>
                  {(experiments.data ?? []).map((e) => (
                    <option key={e.name} value={e.name}>{`${e.runs} run${e.runs === 1 ? "" : "s"}`}</option>
                  ))}
                </datalist>
                <FieldMessage id={ids.message} message={expProblem ?? (experiments.error ? "The experiments could not be listed; type a name." : null)} />
              </>
            )}
          </FieldShell>
          <fieldset className="gw-submit-params">
            <legend>Pipeline parameters</legend>
            {parameters.length === 0 && <p className="gw-help">This pipeline declares no parameters.</p>}
            {parameters.map((p) => (
              <ParameterValueField key={p.name} parameter={p} text={texts[p.name] ?? initialText(p)} problem={problems[p.name]}
                errors={errorsAt(`param:${p.name}`)} onChange={(text) => setTexts((t) => ({ ...t, [p.name]: text }))} />
            ))}
          </fieldset>
          <div className="gw-field gw-inline">
            <input id={`${id}-force`} type="checkbox" checked={force} onChange={(event) => setForce(event.target.checked)}
              aria-describedby={`${id}-force-help`} />
            <label htmlFor={`${id}-force`}>Force rerun</label>
            <p id={`${id}-force-help`} className="gw-help">Run every node again; reuse no cached result.</p>
          </div>
          <PlanSummary plan={plan} document={document} blocked={blocked} />
          {(general.length > 0 || (triedSubmit && (!valid || expProblem))) && (
            <div className="gw-node-errors" role="alert">
              <p>{general.length > 0 ? "The pipeline was not submitted:" : "Fix the values marked above first."}</p>
              {general.length > 0 && (
                <ul>
                  {general.map((e, i) => <li key={i} data-code={e.code}>{e.message}</li>)}
                </ul>
              )}
            </div>
          )}
          <div className="gw-dialog-actions">
            <button type="button" onClick={onClose}>Cancel</button>
            <button type="submit" disabled={submitting} aria-busy={submitting || undefined}>
              {submitting ? "Submitting…" : "Submit"}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
