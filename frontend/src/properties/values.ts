// Parameter values as the server checks them (modules_catalog/params.py `coerce`), in the browser:
// numbers, choices, column lists, datasets and bindings to pipeline parameters.

/** A node parameter bound to a pipeline parameter: `{"$param": name}`. */
export interface Binding {
  $param: string;
}

export function isBinding(value: unknown): value is Binding {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    "$param" in value
  );
}

/** The value of a dataset parameter: a registered dataset, its newest version when null. */
export interface DatasetRef {
  name: string;
  version: number | null;
}

export function asDatasetRef(value: unknown): DatasetRef | null {
  if (typeof value === "string" && value) return { name: value, version: null };
  if (typeof value === "object" && value !== null && "name" in value && typeof value.name === "string") {
    const version = "version" in value && typeof value.version === "number" ? value.version : null;
    return { name: value.name, version };
  }
  return null;
}

export const MAX_FLOAT = 1.7976931348623157e308;
export const MAX_DATASET_VERSION = 2 ** 31 - 1;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export interface NumberRule {
  integer: boolean;
  min?: number | null;
  max?: number | null;
  /** Only values above `min` (per-node limits: a timeout of 0 means nothing). */
  exclusiveMin?: boolean;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function show(n: number): string {
  return String(n);
}

/** "from 0 to 1", "at least 1", "at most 10", or "" without bounds. */
export function rangeHint(rule: NumberRule): string {
  const { min, max } = rule;
  const low = min ?? null;
  const high = max ?? null;
  if (low !== null && high !== null) return `from ${show(low)} to ${show(high)}`;
  if (low !== null) return rule.exclusiveMin ? `more than ${show(low)}` : `at least ${show(low)}`;
  if (high !== null) return `at most ${show(high)}`;
  return "";
}

/** A typed number checked like the server: decimal notation, finite, whole when asked, in range. */
export function parseNumber(text: string, rule: NumberRule): Parsed<number> {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) {
    return { ok: false, message: rule.integer ? "Enter a whole number." : "Enter a number." };
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value) || Math.abs(value) > MAX_FLOAT) {
    return { ok: false, message: "The number is too large; it must be finite." };
  }
  if (rule.integer && !Number.isInteger(value)) return { ok: false, message: "Enter a whole number." };
  if (rule.integer && !Number.isSafeInteger(value)) {
    return { ok: false, message: `Enter a whole number between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}.` };
  }
  return checkRange(value, rule);
}

export function checkRange(value: number, rule: NumberRule): Parsed<number> {
  const { min, max } = rule;
  if (min != null && (rule.exclusiveMin ? value <= min : value < min)) {
    return { ok: false, message: `Must be ${rule.exclusiveMin ? "more than" : "at least"} ${show(min)}.` };
  }
  if (max != null && value > max) return { ok: false, message: `Must be at most ${show(max)}.` };
  return { ok: true, value };
}

/** Column names typed by hand (the input's schema is unknown): one per comma, trimmed. */
export function parseColumnList(text: string): Parsed<string[]> {
  const names = text.split(",").map((s) => s.trim()).filter(Boolean);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return { ok: false, message: `Column ${name} is named twice.` };
    seen.add(name);
  }
  return { ok: true, value: names };
}

/** The selected columns of a columns parameter, whatever form the document holds them in. */
export function asColumnList(value: unknown): string[] {
  if (typeof value === "string") return value ? [value] : [];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/** A value the server treats as not given (`modules_catalog.params.is_empty`, plus blank text). */
export function isEmptyValue(value: unknown): boolean {
  return value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
}

/** Readable form of any parameter value, for bindings' defaults and summaries. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return "none";
  if (typeof value === "string") return value;
  const ref = asDatasetRef(value);
  if (ref) return ref.version === null ? `${ref.name} (newest)` : `${ref.name} v${ref.version}`;
  return JSON.stringify(value);
}
