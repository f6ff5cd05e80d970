// What the submit dialog sends: the experiment name (engine/experiments.py) and the pipeline
// parameter values read by kind from what was typed, each problem by parameter name.
import type { PipelineParameter } from "../api/types";
import { formatValue, parseValue } from "../properties/parameterRules";

export const DEFAULT_EXPERIMENT = "Default";
const EXPERIMENT_PATTERN = /^[A-Za-z0-9_](?:[A-Za-z0-9_. -]{0,62}[A-Za-z0-9_.-])?$/;
export const EXPERIMENT_RULE =
  "1-64 characters: letters, digits, spaces, '_', '.' or '-', starting with a letter, a digit or '_'";

/** Why the server would refuse this experiment name, or null (blank files the run under Default). */
export function experimentProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === "" || EXPERIMENT_PATTERN.test(trimmed)) return null;
  return `An experiment name is ${EXPERIMENT_RULE}.`;
}

/** Each parameter's text as first shown: its default. */
export function initialText(p: PipelineParameter): string {
  if (p.default === undefined || p.default === null) return "";
  return typeof p.default === "boolean" ? String(p.default) : formatValue(p, p.default);
}

export interface ReadValues {
  values: Record<string, unknown>;
  problems: Record<string, string>;
}

/** The values to send (empty ones left out: the default holds) and what is wrong with the others. */
export function readValues(parameters: PipelineParameter[], texts: Record<string, string>): ReadValues {
  const values: Record<string, unknown> = {};
  const problems: Record<string, string> = {};
  for (const p of parameters) {
    const parsed = parseValue(p, texts[p.name] ?? initialText(p));
    if (!parsed.ok) problems[p.name] = parsed.message;
    else if (parsed.value !== undefined) values[p.name] = parsed.value;
  }
  return { values, problems };
}
