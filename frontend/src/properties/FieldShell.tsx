// One form field's frame: its label (tied to the control), required mark, help text and the
// errors the server reported for it; the control itself comes from the caller.
import type { ReactNode } from "react";

export interface FieldIds {
  /** the control's id: the label points at it */
  control: string;
  /** the label's (or legend's) id, for controls a <label for> cannot name (the code editor) */
  label: string;
  /** ids of the help and error texts, for the control's aria-describedby */
  describedBy: string;
  /** id of the inline message a control shows for what was just typed */
  message: string;
}

/** An error shown under a field: the server's message, and what the user can do about it. */
export interface FieldError {
  message: string;
  hint?: string | null;
}

export interface FieldShellProps {
  id: string;
  label: string;
  required?: boolean;
  help?: string;
  /** e.g. the allowed range of a number */
  hint?: string;
  errors?: (string | FieldError)[];
  /** a group of controls (checkbox list, two selects): a fieldset with a legend, not a label */
  group?: boolean;
  /** beside the label, e.g. the binding switch */
  aside?: ReactNode;
  children: (ids: FieldIds) => ReactNode;
}

export function FieldShell({ id, label, required, help, hint, errors = [], group, aside, children }: FieldShellProps) {
  const ids: FieldIds = {
    control: `${id}-control`,
    label: `${id}-label`,
    message: `${id}-message`,
    describedBy: [help || hint ? `${id}-help` : "", errors.length ? `${id}-errors` : "", `${id}-message`]
      .filter(Boolean)
      .join(" "),
  };
  const title = (
    <>
      {label}
      {required && (
        <span className="gw-required" title="required">
          <span aria-hidden="true"> *</span>
          <span className="gw-sr-only"> (required)</span>
        </span>
      )}
    </>
  );
  const body = (
    <>
      {(help || hint) && (
        <p id={`${id}-help`} className="gw-help">
          {help}
          {help && hint ? " " : ""}
          {hint && <span className="gw-hint">({hint})</span>}
        </p>
      )}
      {children(ids)}
      {errors.length > 0 && (
        <ul id={`${id}-errors`} className="gw-field-errors">
          {errors.map((error, i) => {
            const { message, hint } = typeof error === "string" ? { message: error, hint: null } : error;
            return (
              <li key={i}>
                {message}
                {hint && <span className="gw-field-hint"> {hint}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
  if (group) {
    return (
      <fieldset className="gw-field" data-field={id} aria-invalid={errors.length > 0 || undefined}>
        <legend id={ids.label}>{title}</legend>
        {aside}
        {body}
      </fieldset>
    );
  }
  return (
    <div className="gw-field" data-field={id}>
      <div className="gw-field-head">
        <label id={ids.label} htmlFor={ids.control}>
          {title}
        </label>
        {aside}
      </div>
      {body}
    </div>
  );
}

/** The inline message under a control about what was just typed (polite live region). */
export function FieldMessage({ id, message }: { id: string; message?: string | null }) {
  return (
    <p id={id} className="gw-field-message" aria-live="polite">
      {message ?? ""}
    </p>
  );
}
