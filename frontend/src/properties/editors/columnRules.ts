// Azure's column selector as a parameter value: include/exclude rules by all, names, types or roles,
// applied in order (modules_catalog/columns.py; the server resolves them, this only previews them).
import type { ColumnInfo } from "../../api/types";

export const COLUMN_TYPES = ["int", "float", "bool", "string", "datetime", "category"] as const;
export const COLUMN_ROLES = ["label", "feature", "score", "weight", ""] as const;
export const MAX_RULES = 32;

export type RuleAction = "include" | "exclude";
export type RuleBy = "all" | "names" | "types" | "roles";

export interface ColumnRule {
  action: RuleAction;
  by: RuleBy;
  names?: string[];
  types?: string[];
  roles?: string[];
}

export interface ColumnRuleSet {
  rules: ColumnRule[];
}

/** A column with the role the schema may carry (Edit Metadata sets it). */
type Described = ColumnInfo & { role?: string };

export function roleLabel(role: string): string {
  return role === "" ? "no role" : role;
}

/** The rule set a parameter value holds, or null when it holds names (or nothing). */
export function asColumnRules(value: unknown): ColumnRuleSet | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const rules = (value as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) return null;
  return {
    rules: rules
      .filter((r): r is ColumnRule => !!r && typeof r === "object" && typeof (r as ColumnRule).by === "string")
      .map((r) => ({ ...r })),
  };
}

/** The items a rule matches by (its names, types or roles); [] for "all". */
export function ruleItems(rule: ColumnRule): string[] {
  if (rule.by === "all") return [];
  return (rule[rule.by] ?? []).map(String);
}

export function withItems(rule: ColumnRule, items: string[]): ColumnRule {
  if (rule.by === "all") return { action: rule.action, by: "all" };
  return { action: rule.action, by: rule.by, [rule.by]: items };
}

/** Begin with all columns: the first rule includes them all. */
export function beginsWithAll(set: ColumnRuleSet): boolean {
  const first = set.rules[0];
  return !!first && first.action === "include" && first.by === "all";
}

/** The rules after the "begin with" one. */
export function laterRules(set: ColumnRuleSet): ColumnRule[] {
  return beginsWithAll(set) ? set.rules.slice(1) : set.rules;
}

export function buildRuleSet(all: boolean, rules: ColumnRule[]): ColumnRuleSet {
  return { rules: all ? [{ action: "include", by: "all" }, ...rules] : rules };
}

/** The columns of `schema` the rules select, in the schema's order (as the server resolves them). */
export function resolveRules(set: ColumnRuleSet, schema: Described[]): string[] {
  let chosen = new Set<string>();
  for (const rule of set.rules) {
    const items = new Set(ruleItems(rule));
    const hit = schema
      .filter((c) =>
        rule.by === "all" ? true
        : rule.by === "names" ? items.has(c.name)
        : rule.by === "types" ? items.has(c.dtype)
        : items.has(c.role ?? ""))
      .map((c) => c.name);
    if (rule.action === "include") hit.forEach((n) => chosen.add(n));
    else chosen = new Set([...chosen].filter((n) => !hit.includes(n)));
  }
  return schema.map((c) => c.name).filter((n) => chosen.has(n));
}

/** What is wrong with the rules before they can be saved, or null: the server's own checks. */
export function ruleProblem(set: ColumnRuleSet): string | null {
  if (set.rules.length === 0) return "Begin with all columns, or add a rule that includes some.";
  if (set.rules.length > MAX_RULES) return `At most ${MAX_RULES} rules.`;
  for (const [i, rule] of set.rules.entries()) {
    if (rule.by !== "all" && ruleItems(rule).length === 0) {
      const n = beginsWithAll(set) ? i : i + 1;
      return `Rule ${n} needs at least one ${rule.by === "names" ? "name" : rule.by === "types" ? "type" : "role"}.`;
    }
  }
  if (!set.rules.some((r) => r.action === "include")) {
    return "These rules only exclude, so they select nothing: begin with all columns or include some.";
  }
  return null;
}

/** A rule in words: "exclude types string, category". */
export function describeRule(rule: ColumnRule): string {
  if (rule.by === "all") return `${rule.action} all columns`;
  const items = rule.by === "roles" ? ruleItems(rule).map(roleLabel) : ruleItems(rule);
  return `${rule.action} ${rule.by} ${items.join(", ") || "(none yet)"}`;
}

/** The rules in a few words, for a node on the canvas: "all columns; exclude names species". */
export function summarizeRules(set: ColumnRuleSet): string {
  return set.rules.map((r) => (r.by === "all" && r.action === "include" ? "all columns" : describeRule(r))).join("; ");
}
