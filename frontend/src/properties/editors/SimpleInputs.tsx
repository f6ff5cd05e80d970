// The plain controls: text (committed on blur), a choice (select) and a boolean (checkbox).
import { useDraftText } from "../useDraftText";
import { FieldMessage, type FieldIds } from "../FieldShell";

export interface TextInputProps {
  ids: FieldIds;
  value: string;
  multiline?: boolean;
  required?: boolean;
  maxLength?: number;
  placeholder?: string;
  onCommit(text: string): void;
}

export function TextInput({ ids, value, multiline, required, maxLength, placeholder, onCommit }: TextInputProps) {
  const draft = useDraftText(value, (text) => onCommit(text), multiline);
  const common = {
    id: ids.control,
    className: "gw-input",
    value: draft.text,
    maxLength,
    placeholder,
    "aria-required": required || undefined,
    "aria-describedby": ids.describedBy,
    onChange: draft.onChange,
    onBlur: draft.onBlur,
    onKeyDown: draft.onKeyDown,
  };
  return (
    <>
      {multiline ? <textarea rows={3} {...common} /> : <input type="text" {...common} />}
      <FieldMessage id={ids.message} />
    </>
  );
}

export interface ChoiceSelectProps {
  ids: FieldIds;
  value: string | undefined;
  choices: readonly string[];
  required?: boolean;
  /** label of the empty option; without it there is none (a value must be chosen) */
  emptyLabel?: string;
  /** what to say about a value that is not among the choices */
  unknownMessage?: string;
  onCommit(value: string | undefined): void;
}

export function ChoiceSelect(props: ChoiceSelectProps) {
  const { ids, value, choices, required, emptyLabel, onCommit } = props;
  const unknown = value !== undefined && value !== "" && !choices.includes(value);
  const showEmpty = emptyLabel !== undefined || value === undefined || value === "";
  return (
    <>
      <select
        id={ids.control}
        className="gw-input"
        value={value ?? ""}
        aria-required={required || undefined}
        aria-invalid={unknown || undefined}
        aria-describedby={ids.describedBy}
        onChange={(event) => onCommit(event.target.value === "" ? undefined : event.target.value)}
      >
        {showEmpty && <option value="">{emptyLabel ?? "— choose —"}</option>}
        {unknown && <option value={value}>{value} (not available)</option>}
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
      <FieldMessage id={ids.message} message={unknown ? (props.unknownMessage ?? `${value} is not one of the choices; pick another.`) : null} />
    </>
  );
}

export interface CheckboxInputProps {
  ids: FieldIds;
  checked: boolean;
  onCommit(checked: boolean): void;
}

export function CheckboxInput({ ids, checked, onCommit }: CheckboxInputProps) {
  return (
    <input
      id={ids.control}
      type="checkbox"
      className="gw-checkbox"
      checked={checked}
      aria-describedby={ids.describedBy}
      onChange={(event) => onCommit(event.target.checked)}
    />
  );
}
