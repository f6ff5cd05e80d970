// Pipeline parameter values as a form edits them (text) and as a submit sends them (typed), checked
// by the declaration's kind, range and choices with the server's rule (modules_catalog/params.py).
import type { PipelineParameter } from "../api/types";
import { formatValue, kindOf, parseValue } from "../properties/parameterRules";
import { rangeHint } from "../properties/values";

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
  return formatValue(p, value);
}

/** The typed value of a form field, or what is wrong with it (the properties panel's rule, one
 * rule for both). An empty field means the default. */
export function parseParam(p: PipelineParameter, text: string): ParsedValue {
  const kind = kindOf(p);
  if (kind === "text" || kind === "code") return { ok: true, value: text };
  if (text.trim() === "") {
    return p.default === undefined || p.default === null
      ? { ok: false, error: "Give a value: this parameter has no default." }
      : { ok: true, value: p.default };
  }
  const parsed = parseValue(p, text.trim());
  return parsed.ok ? { ok: true, value: parsed.value } : { ok: false, error: parsed.message };
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
