// A parameter range (kind "range", Azure's "Parameter Range" trainer mode): the values Tune Model
// Hyperparameters tries, either listed ({"values": [...]}) or, for numbers, evenly spaced
// ({"min", "max", "count", "scale"}). Checked as the server checks it (modules_catalog/sweep.py).
import { useEffect, useState } from "react";
import { FieldMessage, type FieldIds } from "../FieldShell";
import { parseNumber, rangeHint, type NumberRule, type Parsed } from "../values";

export const MAX_RANGE_VALUES = 100;
export type RangeItem = "int" | "float" | "bool" | "choice";
export type Scale = "linear" | "log";
export type RangeValue = { values: unknown[] } | { min: number; max: number; count: number; scale: Scale };

/** The range a document holds, in its canonical form (a bare list is a list of values), or null. */
export function asRange(value: unknown): RangeValue | null {
  if (Array.isArray(value)) return { values: value };
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.values)) return { values: v.values };
  if (typeof v.min === "number" && typeof v.max === "number" && typeof v.count === "number") {
    return { min: v.min, max: v.max, count: v.count, scale: v.scale === "log" ? "log" : "linear" };
  }
  return null;
}

/** The values a range stands for, as the server expands it (linear or geometric spacing; whole
 * numbers rounded without repeats). */
export function rangeValues(range: RangeValue, integer: boolean): unknown[] {
  if ("values" in range) return range.values;
  const { min, max, count, scale } = range;
  let points: number[];
  if (count === 1) points = [min];
  else if (scale === "log") {
    const [a, b] = [Math.log(min), Math.log(max)];
    points = Array.from({ length: count }, (_, i) => Math.exp(a + ((b - a) * i) / (count - 1)));
  } else points = Array.from({ length: count }, (_, i) => min + ((max - min) * i) / (count - 1));
  points[0] = min;
  points[points.length - 1] = max;
  if (integer) return [...new Set(points.map((p) => Math.round(p)))];
  return points.map((p) => Math.min(Math.max(Number(p.toPrecision(12)), min), max));
}

/** Values typed as "1; 8; 32" (or with commas), each checked as one value of the parameter. */
export function parseValueList(text: string, rule: NumberRule): Parsed<number[]> {
  const parts = text.split(/[;,]/).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) return { ok: false, message: "Enter at least one value." };
  if (parts.length > MAX_RANGE_VALUES) return { ok: false, message: `Enter at most ${MAX_RANGE_VALUES} values.` };
  const values: number[] = [];
  for (const [i, part] of parts.entries()) {
    const parsed = parseNumber(part, rule);
    if (!parsed.ok) return { ok: false, message: `Value ${i + 1}: ${parsed.message}` };
    if (values.includes(parsed.value)) return { ok: false, message: `${parsed.value} is listed twice.` };
    values.push(parsed.value);
  }
  return { ok: true, value: values };
}

interface SpacedText {
  min: string;
  max: string;
  count: string;
  scale: Scale;
}

/** Evenly spaced values from their typed bounds, count and scale. */
export function parseSpaced(text: SpacedText, rule: NumberRule): Parsed<RangeValue> {
  const low = parseNumber(text.min, rule);
  if (!low.ok) return { ok: false, message: `Minimum: ${low.message}` };
  const high = parseNumber(text.max, rule);
  if (!high.ok) return { ok: false, message: `Maximum: ${high.message}` };
  const count = parseNumber(text.count, { integer: true, min: 1, max: MAX_RANGE_VALUES });
  if (!count.ok) return { ok: false, message: `Count: ${count.message}` };
  if (low.value > high.value) return { ok: false, message: "The minimum must not exceed the maximum." };
  if (text.scale === "log" && low.value <= 0) return { ok: false, message: "A log scale needs a minimum above 0." };
  if (count.value === 1 && low.value !== high.value) {
    return { ok: false, message: "A count of 1 takes a minimum equal to the maximum." };
  }
  return { ok: true, value: { min: low.value, max: high.value, count: count.value, scale: text.scale } };
}

function spacedText(range: RangeValue | null): SpacedText {
  if (range && !("values" in range)) {
    return { min: String(range.min), max: String(range.max), count: String(range.count), scale: range.scale };
  }
  const numbers = (range?.values ?? []).filter((v): v is number => typeof v === "number");
  if (numbers.length === 0) return { min: "", max: "", count: "", scale: "linear" };
  return { min: String(Math.min(...numbers)), max: String(Math.max(...numbers)), count: String(numbers.length), scale: "linear" };
}

function listText(range: RangeValue | null): string {
  return range && "values" in range ? range.values.map(String).join("; ") : "";
}

function show(values: unknown[]): string {
  const shown = values.slice(0, 12).map(String).join(", ");
  return values.length > 12 ? `${shown}, … (${values.length} values)` : shown;
}

export interface RangeEditorProps {
  ids: FieldIds;
  value: unknown;
  item: RangeItem;
  min?: number | null;
  max?: number | null;
  choices?: readonly string[];
  required?: boolean;
  onCommit(value: RangeValue | undefined): void;
}

export function RangeEditor(props: RangeEditorProps) {
  const { ids, value, item, onCommit } = props;
  const range = asRange(value);
  const numeric = item === "int" || item === "float";
  const rule: NumberRule = { integer: item === "int", min: props.min ?? null, max: props.max ?? null };
  const key = JSON.stringify(value ?? null);
  const [mode, setMode] = useState<"values" | "spaced">(range && !("values" in range) ? "spaced" : "values");
  const [list, setList] = useState(listText(range));
  const [spaced, setSpaced] = useState<SpacedText>(spacedText(range));
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    // the document changed (undo, another edit): show it
    const now = asRange(JSON.parse(key));
    setList(listText(now));
    setSpaced(spacedText(now));
    if (now) setMode("values" in now ? "values" : "spaced");
    setMessage(null);
  }, [key]);

  const commit = (next: Parsed<RangeValue>) => {
    setMessage(next.ok ? null : next.message);
    if (next.ok && JSON.stringify(next.value) !== key) onCommit(next.value);
  };
  const commitList = (text: string) => {
    const parsed = parseValueList(text, rule);
    commit(parsed.ok ? { ok: true, value: { values: parsed.value } } : parsed);
  };
  const options = item === "bool" ? ["true", "false"] : [...(props.choices ?? [])];
  const chosen = new Set((range && "values" in range ? range.values : []).map(String));
  const toggle = (option: string, on: boolean) => {
    const next = options.filter((o) => (o === option ? on : chosen.has(o)));
    if (next.length === 0) {
      setMessage("Choose at least one value.");
      return;
    }
    setMessage(null);
    onCommit({ values: item === "bool" ? next.map((o) => o === "true") : next });
  };
  const tried = range ? rangeValues(range, item === "int") : [];
  const bounds = numeric ? rangeHint(rule) : "";

  if (!numeric) {
    return (
      <div className="gw-column-mode" role="group" aria-labelledby={ids.label} aria-describedby={ids.describedBy}>
        {options.map((option) => (
          <label key={option}>
            <input type="checkbox" checked={chosen.has(option)} onChange={(e) => toggle(option, e.target.checked)} />{" "}
            {option}
          </label>
        ))}
        <FieldMessage id={ids.message} message={message} />
      </div>
    );
  }
  const modeName = `${ids.control}-mode`;
  return (
    <div className="gw-range">
      <div className="gw-column-mode" role="radiogroup" aria-label="How the values are given">
        <label>
          <input type="radio" name={modeName} checked={mode === "values"} onChange={() => setMode("values")} /> List of values
        </label>
        <label>
          <input type="radio" name={modeName} checked={mode === "spaced"} onChange={() => setMode("spaced")} /> Evenly spaced
        </label>
      </div>
      {mode === "values" ? (
        <>
          <label htmlFor={ids.control} className="gw-sr-only">
            Values, separated by semicolons
          </label>
          <input
            id={ids.control}
            type="text"
            className="gw-input"
            placeholder="e.g. 1; 8; 32"
            value={list}
            aria-invalid={message ? true : undefined}
            aria-describedby={ids.describedBy}
            onChange={(e) => setList(e.target.value)}
            onBlur={() => commitList(list)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                commitList(list);
              }
            }}
          />
        </>
      ) : (
        <div className="gw-dataset-picker">
          {(["min", "max", "count"] as const).map((part) => (
            <SpacedPart key={part} id={part === "min" ? ids.control : `${ids.control}-${part}`} part={part}
              text={spaced[part]} invalid={!!message} describedBy={ids.describedBy}
              onChange={(text) => setSpaced({ ...spaced, [part]: text })}
              onDone={() => commit(parseSpaced(spaced, rule))} />
          ))}
          <label htmlFor={`${ids.control}-scale`}>Scale</label>
          <select id={`${ids.control}-scale`} className="gw-input" value={spaced.scale}
            onChange={(e) => {
              const next = { ...spaced, scale: e.target.value as Scale };
              setSpaced(next);
              commit(parseSpaced(next, rule));
            }}>
            <option value="linear">Linear</option>
            <option value="log">Logarithmic</option>
          </select>
        </div>
      )}
      <p className="gw-help">
        {tried.length > 0 ? `Tries ${show(tried)}.` : "No values yet."}
        {bounds && ` Each value ${bounds}.`}
      </p>
      <FieldMessage id={ids.message} message={message} />
    </div>
  );
}

const PART_LABELS = { min: "Minimum", max: "Maximum", count: "Count" } as const;

interface SpacedPartProps {
  id: string;
  part: "min" | "max" | "count";
  text: string;
  invalid: boolean;
  describedBy: string;
  onChange(text: string): void;
  onDone(): void;
}

function SpacedPart({ id, part, text, invalid, describedBy, onChange, onDone }: SpacedPartProps) {
  return (
    <>
      <label htmlFor={id}>{PART_LABELS[part]}</label>
      <input id={id} type="text" inputMode="decimal" className="gw-input" value={text}
        aria-invalid={invalid || undefined} aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value)} onBlur={onDone}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            onDone();
          }
        }} />
    </>
  );
}
