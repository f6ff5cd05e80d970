// The palette's content: enabled modules grouped by catalogue category, filtered by a search.
import type { ModuleSpec } from "../api/types";

export interface ModuleGroup {
  category: string;
  modules: ModuleSpec[];
}

function matches(module: ModuleSpec, words: string[]): boolean {
  const text = [module.label, module.key, module.category, module.description, ...module.inputs.map((p) => p.type), ...module.outputs.map((p) => p.type)]
    .join(" ")
    .toLowerCase();
  return words.every((w) => text.includes(w));
}

export function groupModules(modules: readonly ModuleSpec[], query = ""): ModuleGroup[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const groups = new Map<string, ModuleSpec[]>();
  for (const m of modules) {
    if (m.disabled || !matches(m, words)) continue;
    const category = m.category || "Other";
    const list = groups.get(category);
    if (list) list.push(m);
    else groups.set(category, [m]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([category, list]) => ({ category, modules: list.sort((a, b) => a.label.localeCompare(b.label)) }));
}
