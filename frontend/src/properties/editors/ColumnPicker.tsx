// A columns parameter: the columns known at design time on its input port, with their types;
// several with search (kept in the order chosen), or exactly one. Unknown schema: names typed.
// Several columns may instead be chosen by rules, as Azure's column selector does: begin with all
// columns or none, then include or exclude by names, types or roles (modules_catalog/columns.py).
import { useState } from "react";
import type { ColumnInfo } from "../../api/types";
import { FieldMessage, type FieldIds } from "../FieldShell";
import { useDraftText } from "../useDraftText";
import { parseColumnList } from "../values";
import {
  COLUMN_ROLES, COLUMN_TYPES, MAX_RULES, beginsWithAll, buildRuleSet, laterRules, resolveRules, roleLabel,
  ruleItems, ruleProblem, withItems, type ColumnRule, type ColumnRuleSet, type RuleBy,
} from "./columnRules";

export interface ColumnPickerProps {
  ids: FieldIds;
  /** the columns of the input port; null: not known before running; undefined: port not wired */
  schema: ColumnInfo[] | null | undefined;
  portLabel: string;
  multiple: boolean;
  value: string[];
  /** the rule set the parameter holds instead of names (several columns only); null: names */
  rules?: ColumnRuleSet | null;
  required?: boolean;
  onCommit(value: string[] | string | ColumnRuleSet | undefined): void;
}

export function ColumnPicker(props: ColumnPickerProps) {
  if (!props.multiple) return props.schema ? <ColumnSelect {...props} schema={props.schema} /> : <TypedColumns {...props} />;
  const rules = props.rules ?? null;
  return (
    <>
      <ModeSwitch {...props} rules={rules} />
      {rules ? (
        <RuleEditor {...props} rules={rules} />
      ) : props.schema ? (
        <ColumnChecklist {...props} schema={props.schema} />
      ) : (
        <TypedColumns {...props} />
      )}
    </>
  );
}

/** Names or rules: switching keeps what it can (the names become an include rule, and rules the
 * names they select from the known columns). */
function ModeSwitch({ ids, schema, value, rules, onCommit }: ColumnPickerProps & { rules: ColumnRuleSet | null }) {
  const toRules = () =>
    onCommit(value.length ? buildRuleSet(false, [{ action: "include", by: "names", names: value }]) : buildRuleSet(true, []));
  const toNames = () => {
    const names = rules && schema && !ruleProblem(rules) ? resolveRules(rules, schema) : [];
    onCommit(names.length ? names : undefined);
  };
  return (
    <div role="radiogroup" aria-label="Choose columns by" className="gw-column-mode">
      <label>
        <input type="radio" name={`${ids.control}-mode`} checked={!rules} onChange={toNames} /> Names
      </label>
      <label>
        <input type="radio" name={`${ids.control}-mode`} checked={!!rules} onChange={toRules} /> Rules
      </label>
    </div>
  );
}

const BY_LABELS: Record<Exclude<RuleBy, "all">, string> = { names: "column names", types: "column types", roles: "column roles" };

/** The rules as a form: a draft kept here while a rule is incomplete, committed whenever it is valid. */
function RuleEditor({ ids, schema, portLabel, rules, onCommit }: ColumnPickerProps & { rules: ColumnRuleSet }) {
  const committed = JSON.stringify(rules);
  const [draft, setDraft] = useState<ColumnRuleSet>(rules);
  const [seen, setSeen] = useState(committed);
  if (committed !== seen) {
    // the document changed under the form (undo, redo, another field): show it
    setSeen(committed);
    setDraft(rules);
  }
  const all = beginsWithAll(draft);
  const later = laterRules(draft);
  const update = (next: ColumnRuleSet) => {
    setDraft(next);
    if (!ruleProblem(next)) {
      setSeen(JSON.stringify(next));
      onCommit(next);
    }
  };
  const setRule = (i: number, rule: ColumnRule) => update(buildRuleSet(all, later.map((r, j) => (j === i ? rule : r))));
  const problem = ruleProblem(draft);
  return (
    <div className="gw-column-rules">
      <label htmlFor={ids.control}>Begin with</label>
      <select id={ids.control} className="gw-input" value={all ? "all" : "none"} aria-describedby={ids.describedBy}
        onChange={(event) => update(buildRuleSet(event.target.value === "all", later))}>
        <option value="all">All columns</option>
        <option value="none">No columns</option>
      </select>
      {later.length > 0 && (
        <ol className="gw-rules" aria-label="Rules, applied in order">
          {later.map((rule, i) => (
            <RuleRow key={i} number={i + 1} rule={rule} schema={schema} onChange={(r) => setRule(i, r)}
              onRemove={() => update(buildRuleSet(all, later.filter((_, j) => j !== i)))} />
          ))}
        </ol>
      )}
      <div className="gw-columns-actions">
        <button type="button" disabled={draft.rules.length >= MAX_RULES}
          onClick={() => update(buildRuleSet(all, [...later, { action: all ? "exclude" : "include", by: "names", names: [] }]))}>
          Add rule
        </button>
      </div>
      <RulePreview schema={schema} portLabel={portLabel} rules={problem ? null : draft} />
      <FieldMessage id={ids.message} message={problem} />
    </div>
  );
}

function RuleRow({ number, rule, schema, onChange, onRemove }: {
  number: number; rule: ColumnRule; schema: ColumnInfo[] | null | undefined;
  onChange(rule: ColumnRule): void; onRemove(): void;
}) {
  const by = rule.by === "all" ? "names" : rule.by;
  return (
    <li className="gw-rule">
      <select aria-label={`Rule ${number}: include or exclude`} className="gw-input" value={rule.action}
        onChange={(event) => onChange({ ...withItems(rule, ruleItems(rule)), action: event.target.value as ColumnRule["action"] })}>
        <option value="include">Include</option>
        <option value="exclude">Exclude</option>
      </select>
      <select aria-label={`Rule ${number}: by`} className="gw-input" value={by}
        onChange={(event) => onChange({ action: rule.action, by: event.target.value as RuleBy, [event.target.value]: [] })}>
        {(Object.keys(BY_LABELS) as (keyof typeof BY_LABELS)[]).map((key) => (
          <option key={key} value={key}>{BY_LABELS[key]}</option>
        ))}
      </select>
      {by === "names" ? (
        <RuleNames number={number} rule={rule} schema={schema} onChange={onChange} />
      ) : (
        <fieldset className="gw-rule-items">
          <legend className="gw-sr-only">{`Rule ${number}: ${BY_LABELS[by]}`}</legend>
          {(by === "types" ? COLUMN_TYPES : COLUMN_ROLES).map((item) => {
            const items = ruleItems(rule);
            return (
              <label key={item}>
                <input type="checkbox" checked={items.includes(item)}
                  onChange={(event) => onChange(withItems({ ...rule, by }, event.target.checked
                    ? [...items, item] : items.filter((v) => v !== item)))} />
                {by === "roles" ? roleLabel(item) : item}
              </label>
            );
          })}
        </fieldset>
      )}
      <button type="button" aria-label={`Remove rule ${number}`} onClick={onRemove}>×</button>
    </li>
  );
}

function RuleNames({ number, rule, schema, onChange }: {
  number: number; rule: ColumnRule; schema: ColumnInfo[] | null | undefined; onChange(rule: ColumnRule): void;
}) {
  const names = ruleItems(rule);
  const [message, setMessage] = useState<string | null>(null);
  const draft = useDraftText(names.join(", "), (text) => {
    const parsed = parseColumnList(text);
    setMessage(parsed.ok ? null : parsed.message);
    if (!parsed.ok) return false;
    onChange(withItems({ ...rule, by: "names" }, parsed.value));
    return true;
  });
  const listId = `gw-rule-${number}-columns`;
  return (
    <span className="gw-rule-names">
      <input type="text" className="gw-input" aria-label={`Rule ${number}: column names, separated by commas`}
        value={draft.text} list={schema ? listId : undefined} aria-invalid={message ? true : undefined}
        onChange={draft.onChange} onBlur={draft.onBlur} onKeyDown={draft.onKeyDown} />
      {schema && (
        <datalist id={listId}>
          {schema.map((c) => <option key={c.name} value={c.name} />)}
        </datalist>
      )}
      {message && <span className="gw-field-message" role="alert">{message}</span>}
    </span>
  );
}

/** What the rules select from the known columns (the server resolves them the same way). */
function RulePreview({ schema, portLabel, rules }: { schema: ColumnInfo[] | null | undefined; portLabel: string; rules: ColumnRuleSet | null }) {
  if (!schema) {
    return <p className="gw-help">The rules are applied to the columns of {portLabel} when the pipeline runs.</p>;
  }
  if (!rules) return null;
  const known = new Set(schema.map((c) => c.name));
  const missing = rules.rules.filter((r) => r.by === "names").flatMap(ruleItems).filter((n) => !known.has(n));
  const chosen = resolveRules(rules, schema);
  return (
    <>
      <p className="gw-columns-chosen" aria-live="polite">
        {chosen.length === 0
          ? `These rules select none of the ${schema.length} columns of ${portLabel}.`
          : `Selects ${chosen.length} of ${schema.length} columns: ${chosen.slice(0, 12).join(", ")}${chosen.length > 12 ? ", …" : ""}`}
      </p>
      {missing.length > 0 && <p className="gw-help" role="status">Not in the input: {missing.join(", ")}.</p>}
    </>
  );
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
