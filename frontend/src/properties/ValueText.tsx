// A pipeline parameter's value typed as text (numbers, text, code, column names, datasets), read
// and checked by its kind; committed on blur or Enter when valid, kept with a message when not.
import type { PipelineParameter } from "../api/types";
import { FieldMessage, type FieldIds } from "./FieldShell";
import { formatValue, kindOf, parseValue } from "./parameterRules";
import { useDraftText } from "./useDraftText";

export interface ValueTextProps {
  ids: FieldIds;
  parameter: PipelineParameter;
  value: unknown;
  /** a problem with the held value (e.g. out of a range changed since) */
  problem?: string | null;
  onCommit(value: unknown): void;
}

export function ValueText({ ids, parameter, value, problem, onCommit }: ValueTextProps) {
  const multiline = kindOf(parameter) === "code";
  const draft = useDraftText(
    formatValue(parameter, value),
    (text) => {
      const parsed = parseValue(parameter, text);
      if (!parsed.ok) return false;
      onCommit(parsed.value);
      return true;
    },
    multiline,
  );
  const parsed = draft.editing ? parseValue(parameter, draft.text) : null;
  const message = parsed && !parsed.ok ? parsed.message : draft.editing ? null : problem;
  const common = {
    id: ids.control,
    className: "gw-input",
    value: draft.text,
    "aria-invalid": message ? true : undefined,
    "aria-describedby": ids.describedBy,
    onChange: draft.onChange,
    onBlur: draft.onBlur,
    onKeyDown: draft.onKeyDown,
  };
  return (
    <>
      {multiline ? <textarea rows={4} {...common} /> : <input type="text" {...common} />}
      <FieldMessage id={ids.message} message={message} />
    </>
  );
}
