// The few parameter values a node shows on the canvas ("Fraction: 0.7", "Columns: a, b, c").
import type { ModuleSpec, NodeDoc } from "../api/types";
import { asColumnRules, summarizeRules } from "../properties/editors/columnRules";

export const SUMMARY_LINES = 2;
const MAX_TEXT = 40;

function shown(value: unknown, kind: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value === "object" && !Array.isArray(value) && "$param" in (value as object)) {
    return `⟨${String((value as { $param: unknown }).$param)}⟩`;
  }
  if (kind === "code") return "code";
  if (kind === "dataset" && typeof value === "object" && !Array.isArray(value) && "name" in (value as object)) {
    const { name, version } = value as { name: unknown; version?: unknown };
    return version === undefined || version === null ? `${String(name)} (newest)` : `${String(name)} v${String(version)}`;
  }
  const rules = kind === "columns" ? asColumnRules(value) : null;
  if (rules) return summarizeRules(rules);
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.length ? value.map(String).join(", ") : null;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function paramSummary(module: ModuleSpec, doc: NodeDoc): string[] {
  const lines: string[] = [];
  for (const p of module.params) {
    const text = shown(doc.params?.[p.name], p.kind);
    if (text === null) continue;
    const line = `${p.label || p.name}: ${text}`;
    lines.push(line.length > MAX_TEXT ? `${line.slice(0, MAX_TEXT - 1)}…` : line);
    if (lines.length === SUMMARY_LINES) break;
  }
  return lines;
}
