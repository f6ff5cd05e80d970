// A number typed as text and committed on blur or Enter when it is valid: decimal, finite, whole
// when the kind asks, inside its range; otherwise it stays in the field with a message.
import { parseNumber, type NumberRule } from "../values";
import { useDraftText } from "../useDraftText";
import { FieldMessage, type FieldIds } from "../FieldShell";

export interface NumberInputProps {
  ids: FieldIds;
  value: number | undefined;
  rule: NumberRule;
  required?: boolean;
  /** what an empty field means (shown as the placeholder), e.g. the default */
  placeholder?: string;
  /** undefined: the field was emptied */
  onCommit(value: number | undefined): void;
}

export function NumberInput({ ids, value, rule, required, placeholder, onCommit }: NumberInputProps) {
  const draft = useDraftText(value === undefined ? "" : String(value), (text) => {
    if (text.trim() === "") {
      onCommit(undefined);
      return true;
    }
    const parsed = parseNumber(text, rule);
    if (!parsed.ok) return false;
    onCommit(parsed.value);
    return true;
  });
  const parsed = draft.editing && draft.text.trim() !== "" ? parseNumber(draft.text, rule) : null;
  const message = parsed && !parsed.ok ? parsed.message : null;
  return (
    <>
      <input
        id={ids.control}
        type="text"
        inputMode={rule.integer ? "numeric" : "decimal"}
        className="gw-input"
        value={draft.text}
        placeholder={placeholder}
        aria-required={required || undefined}
        aria-invalid={message ? true : undefined}
        aria-describedby={ids.describedBy}
        onChange={draft.onChange}
        onBlur={draft.onBlur}
        onKeyDown={draft.onKeyDown}
      />
      <FieldMessage id={ids.message} message={message} />
    </>
  );
}
