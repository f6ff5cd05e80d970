// Pipeline parameters (engine/document_schema.py PARAMETER; checked by engine/compiler.py
// `_pipeline_params`): their names, kinds and values, for the panel that declares them and the
// submit dialog that gives them values.
import type { PipelineParameter } from "../api/types";
import { MAX_DATASET_VERSION, parseColumnList, parseNumber, type NumberRule, type Parsed } from "./values";

/** document_schema.NAME_PATTERN: every name a document gives. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
export const NAME_RULE = "1-64 letters, digits, '_', '.' or '-', starting with a letter or '_'";
export const PARAM_KINDS = ["int", "float", "bool", "text", "choice", "columns", "code", "dataset"] as const;
export const MAX_PARAMETERS = 200;
export const MAX_CHOICES = 1000;
export const MAX_LABEL = 200;

export const KIND_LABELS: Record<string, string> = {
  int: "whole number", float: "number", bool: "true or false", text: "text", choice: "choice",
  columns: "column names", code: "Python code", dataset: "dataset",
};

export function kindOf(p: PipelineParameter): string {
  return p.kind ?? "text";
}

/** Why `name` cannot name a parameter beside `others` (names of the other parameters), or null. */
export function nameProblem(name: string, others: string[]): string | null {
  if (name === "") return "A parameter needs a name.";
  if (!NAME_PATTERN.test(name)) return `${name} is not a valid name: use ${NAME_RULE}.`;
  if (others.includes(name)) return `A parameter named ${name} already exists; choose another name.`;
  return null;
}

/** A fresh name: param_1, param_2, ... not yet taken. */
export function freshName(parameters: PipelineParameter[]): string {
  const taken = new Set(parameters.map((p) => p.name));
  let i = parameters.length + 1;
  while (taken.has(`param_${i}`)) i++;
  return `param_${i}`;
}

export function numberRule(p: PipelineParameter): NumberRule {
  return { integer: kindOf(p) === "int", min: p.min ?? null, max: p.max ?? null };
}

/** A value of this parameter's kind as the text field shows it. */
export function formatValue(p: PipelineParameter, value: unknown): string {
  if (value === undefined || value === null) return "";
  switch (kindOf(p)) {
    case "columns":
      return Array.isArray(value) ? value.join(", ") : String(value);
    case "dataset":
      if (typeof value === "object" && "name" in value) {
        const version = "version" in value && value.version != null ? `@${value.version}` : "";
        return `${String(value.name)}${version}`;
      }
      return String(value);
    default:
      return typeof value === "string" ? value : JSON.stringify(value);
  }
}

/** A typed value read and checked as the server will (`modules_catalog.params.coerce`); "" is no value. */
export function parseValue(p: PipelineParameter, text: string): Parsed<unknown> {
  const kind = kindOf(p);
  if (text.trim() === "" && kind !== "text" && kind !== "code") return { ok: true, value: undefined };
  switch (kind) {
    case "int":
    case "float":
      return parseNumber(text, numberRule(p));
    case "choice": {
      const choices = (p.choices ?? []).map(String);
      return choices.includes(text)
        ? { ok: true, value: text }
        : { ok: false, message: `Choose one of: ${choices.join(", ") || "(no choices declared)"}.` };
    }
    case "bool":
      if (text === "true" || text === "false") return { ok: true, value: text === "true" };
      return { ok: false, message: "Must be true or false." };
    case "columns":
      return parseColumnList(text);
    case "dataset":
      return parseDataset(text.trim());
    default:
      return { ok: true, value: text === "" ? undefined : text };
  }
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

/** What is wrong with a value already held (a default, after min, max or choices changed), or null. */
export function valueProblem(p: PipelineParameter, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const kind = kindOf(p);
  if (kind === "bool") return typeof value === "boolean" ? null : "Must be true or false.";
  if (kind === "int" || kind === "float") {
    if (typeof value !== "number") return kind === "int" ? "Enter a whole number." : "Enter a number.";
    const parsed = parseNumber(String(value), numberRule(p));
    return parsed.ok ? null : parsed.message;
  }
  const parsed = parseValue(p, formatValue(p, value));
  return parsed.ok ? null : parsed.message;
}

/** The same parameter declared with another kind: what no longer fits is dropped. */
export function withKind(p: PipelineParameter, kind: string): PipelineParameter {
  const next: PipelineParameter = { ...p, kind }; // name, help and any label are kept
  delete next.default;
  if (kind !== "int" && kind !== "float") {
    delete next.min;
    delete next.max;
  }
  if (kind === "choice") next.choices = p.choices ?? [];
  else delete next.choices;
  if (p.default !== undefined && valueProblem(next, p.default) === null) next.default = p.default;
  return next;
}

/** Choices typed one a line: trimmed, none empty, none twice. */
export function parseChoices(text: string): Parsed<string[]> {
  const choices = text.split("\n").map((c) => c.trim()).filter(Boolean);
  const seen = new Set<string>();
  for (const c of choices) {
    if (c.length > MAX_LABEL) return { ok: false, message: `A choice can have at most ${MAX_LABEL} characters.` };
    if (seen.has(c)) return { ok: false, message: `${c} is listed twice.` };
    seen.add(c);
  }
  if (choices.length > MAX_CHOICES) return { ok: false, message: `At most ${MAX_CHOICES} choices.` };
  return { ok: true, value: choices };
}
