// A columns parameter: the columns known at design time on its input port, with their types;
// several with search (kept in the order chosen), or exactly one. Unknown schema: names typed.
import { useState } from "react";
import type { ColumnInfo } from "../../api/types";
import { FieldMessage, type FieldIds } from "../FieldShell";
import { useDraftText } from "../useDraftText";
import { parseColumnList } from "../values";

export interface ColumnPickerProps {
  ids: FieldIds;
  /** the columns of the input port; null: not known before running; undefined: port not wired */
  schema: ColumnInfo[] | null | undefined;
  portLabel: string;
  multiple: boolean;
  value: string[];
  required?: boolean;
  onCommit(value: string[] | string | undefined): void;
}

export function ColumnPicker(props: ColumnPickerProps) {
  if (!props.schema) return <TypedColumns {...props} />;
  return props.multiple ? <ColumnChecklist {...props} schema={props.schema} /> : <ColumnSelect {...props} schema={props.schema} />;
}

function unknownNote(props: ColumnPickerProps): string {
  return props.schema === undefined
    ? `Connect the ${props.portLabel} input to pick from its columns, or type their names`
    : `The columns of ${props.portLabel} are not known before the pipeline runs; type their names`;
}

function missingMessage(schema: ColumnInfo[], value: string[]): string | null {
  const known = new Set(schema.map((c) => c.name));
  const missing = value.filter((name) => !known.has(name));
  if (missing.length === 0) return null;
  return `Not in the input: ${missing.join(", ")}. Remove ${missing.length === 1 ? "it" : "them"} or change the input.`;
}

function TypedColumns(props: ColumnPickerProps) {
  const { ids, multiple, value, required, onCommit } = props;
  const draft = useDraftText(value.join(", "), (text) => {
    const parsed = parseColumnList(text);
    if (!parsed.ok) return false;
    if (parsed.value.length === 0) onCommit(undefined);
    else onCommit(multiple ? parsed.value : parsed.value[0]);
    return true;
  });
  const parsed = draft.editing ? parseColumnList(draft.text) : null;
  let message = parsed && !parsed.ok ? parsed.message : null;
  if (!multiple && parsed?.ok && parsed.value.length > 1) message = "Name exactly one column.";
  return (
    <>
      <p className="gw-help">
        {unknownNote(props)}
        {multiple ? ", separated by commas." : "."}
      </p>
      <input
        id={ids.control}
        type="text"
        className="gw-input"
        value={draft.text}
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

function ColumnSelect({ ids, schema, value, required, onCommit }: ColumnPickerProps & { schema: ColumnInfo[] }) {
  const current = value[0] ?? "";
  const stale = current !== "" && !schema.some((c) => c.name === current);
  return (
    <>
      <select
        id={ids.control}
        className="gw-input"
        value={current}
        aria-required={required || undefined}
        aria-invalid={stale || undefined}
        aria-describedby={ids.describedBy}
        onChange={(event) => onCommit(event.target.value || undefined)}
      >
        <option value="">— choose a column —</option>
        {stale && <option value={current}>{current} (not in the input)</option>}
        {schema.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name} ({c.dtype})
          </option>
        ))}
      </select>
      <FieldMessage id={ids.message} message={missingMessage(schema, value)} />
    </>
  );
}

function ColumnChecklist({ ids, schema, portLabel, value, required, onCommit }: ColumnPickerProps & { schema: ColumnInfo[] }) {
  const [search, setSearch] = useState("");
  const needle = search.trim().toLowerCase();
  const shown = needle ? schema.filter((c) => c.name.toLowerCase().includes(needle)) : schema;
  const chosen = new Set(value);
  const commit = (next: string[]) => onCommit(next.length ? next : undefined);
  const toggle = (name: string, on: boolean) => commit(on ? [...value, name] : value.filter((v) => v !== name));
  const addShown = () => commit([...value, ...shown.map((c) => c.name).filter((n) => !chosen.has(n))]);
  return (
    <div className="gw-columns" aria-required={required || undefined}>
      <p className="gw-columns-chosen" aria-live="polite">
        {value.length === 0 ? "No column selected." : `${value.length} selected, in this order: `}
      </p>
      {value.length > 0 && (
        <ol className="gw-chips" aria-label="Selected columns">
          {value.map((name) => (
            <li key={name} className="gw-chip">
              {name}
              <button type="button" aria-label={`Remove column ${name}`} onClick={() => toggle(name, false)}>
                ×
              </button>
            </li>
          ))}
        </ol>
      )}
      <label htmlFor={ids.control}>Search columns</label>
      <input
        id={ids.control}
        type="search"
        className="gw-input"
        value={search}
        aria-describedby={ids.describedBy}
        onChange={(event) => setSearch(event.target.value)}
      />
      <div className="gw-columns-actions">
        <button type="button" onClick={addShown} disabled={shown.every((c) => chosen.has(c.name))}>
          Select all {needle ? "shown" : ""}
        </button>
        <button type="button" onClick={() => commit([])} disabled={value.length === 0}>
          Clear selection
        </button>
      </div>
      <ul className="gw-column-list" aria-label={`Columns of ${portLabel}`}>
        {shown.map((c) => (
          <li key={c.name}>
            <label>
              <input type="checkbox" checked={chosen.has(c.name)} onChange={(e) => toggle(c.name, e.target.checked)} />
              {c.name} <span className="gw-dtype">{c.dtype}</span>
            </label>
          </li>
        ))}
        {shown.length === 0 && <li className="gw-help">No column matches “{search}”.</li>}
      </ul>
      <FieldMessage id={ids.message} message={missingMessage(schema, value)} />
    </div>
  );
}
