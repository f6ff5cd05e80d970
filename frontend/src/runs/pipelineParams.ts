// Pipeline parameter values as a form edits them (text) and as a submit sends them (typed), checked
// by the declaration's kind, range and choices with the server's rule (modules_catalog/params.py).
import type { PipelineParameter } from "../api/types";
import { MAX_DATASET_VERSION, parseColumnList, parseNumber, rangeHint, type Parsed } from "../properties/values";

export type ParsedValue = { ok: true; value: unknown } | { ok: false; error: string };

/** Whether the form shows the parameter as a checkbox, a list of choices or a text field. */
export function fieldKind(p: PipelineParameter): "bool" | "choice" | "number" | "text" | "code" {
  const kind = p.kind ?? "text";
  if (kind === "bool") return "bool";
  if (kind === "choice") return "choice";
  if (kind === "int" || kind === "float") return "number";
  if (kind === "code") return "code";
  return "text";
}

/** The text a form field starts from, for a value of the parameter's kind. */
export function valueToText(p: PipelineParameter, value: unknown): string {
  if (value === undefined || value === null) return "";
  const kind = p.kind ?? "text";
  if (kind === "columns" && Array.isArray(value)) return value.join(", ");
  if (kind === "dataset" && typeof value === "object") {
    const { name, version } = value as { name?: string; version?: number | null };
    return version ? `${name ?? ""}@${version}` : (name ?? "");
  }
  if (kind === "bool") return value ? "true" : "false";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The typed value of a form field, or what is wrong with it. An empty field means the default. */
export function parseParam(p: PipelineParameter, text: string): ParsedValue {
  const kind = p.kind ?? "text";
  const trimmed = text.trim();
  if (kind !== "text" && kind !== "code" && trimmed === "") {
    return p.default === undefined || p.default === null
      ? { ok: false, error: "Give a value: this parameter has no default." }
      : { ok: true, value: p.default };
  }
  let parsed: Parsed<unknown>;
  switch (kind) {
    case "int":
    case "float":
      parsed = parseNumber(trimmed, { integer: kind === "int", min: p.min ?? null, max: p.max ?? null });
      break;
    case "bool":
      parsed = trimmed === "true" || trimmed === "false"
        ? { ok: true, value: trimmed === "true" }
        : { ok: false, message: "Must be true or false." };
      break;
    case "choice": {
      const choices = (p.choices ?? []).map(String);
      parsed = choices.includes(trimmed)
        ? { ok: true, value: trimmed }
        : { ok: false, message: `Choose one of: ${choices.join(", ")}.` };
      break;
    }
    case "columns":
      parsed = parseColumnList(trimmed);
      break;
    case "dataset":
      parsed = parseDataset(trimmed);
      break;
    default:
      parsed = { ok: true, value: text };
  }
  return parsed.ok ? { ok: true, value: parsed.value } : { ok: false, error: parsed.message };
}

/** "name" (its newest version) or "name@3". */
function parseDataset(text: string): Parsed<unknown> {
  const at = text.lastIndexOf("@");
  if (at < 0) return { ok: true, value: { name: text, version: null } };
  const name = text.slice(0, at);
  const version = Number(text.slice(at + 1));
  if (!name || !Number.isInteger(version) || version < 1 || version > MAX_DATASET_VERSION) {
    return { ok: false, message: "Give a dataset as name, or name@version with a version from 1." };
  }
  return { ok: true, value: { name, version } };
}

/** What a person reads beside the field: the kind and its range or choices. */
export function describeParam(p: PipelineParameter): string {
  const kind = p.kind ?? "text";
  const parts: string[] = [];
  if (kind === "int") parts.push("whole number");
  else if (kind === "float") parts.push("number");
  else if (kind === "columns") parts.push("column names, separated by commas");
  else if (kind === "dataset") parts.push("dataset name, or name@version");
  const range = kind === "int" || kind === "float" ? rangeHint({ integer: kind === "int", min: p.min, max: p.max }) : "";
  if (range) parts.push(range);
  if (p.help) parts.push(p.help);
  return parts.join("; ");
}

/** Every field parsed: the values to send, or the errors by parameter name. */
export function parseAll(
  declared: PipelineParameter[],
  texts: Record<string, string>,
): { values: Record<string, unknown>; errors: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const p of declared) {
    const parsed = parseParam(p, texts[p.name] ?? "");
    if (parsed.ok) values[p.name] = parsed.value;
    else errors[p.name] = parsed.error;
  }
  return { values, errors };
}
