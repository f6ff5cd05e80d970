// The module catalogue as the canvas looks it up: a node's module by key and version (absent
// version: the default, which is the newest unless the server names another), and the modules the
// palette offers (the defaults, none disabled).
import type { ModuleSpec, NodeDoc } from "../api/types";

export interface ModuleIndex {
  byKeyVersion: Map<string, ModuleSpec>;
  newest: Map<string, ModuleSpec>;
  list: ModuleSpec[];
}

export function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

export function indexModules(modules: readonly ModuleSpec[]): ModuleIndex {
  const byKeyVersion = new Map<string, ModuleSpec>();
  const newest = new Map<string, ModuleSpec>();
  const chosen = new Set<string>();
  for (const m of modules) {
    byKeyVersion.set(`${m.key}@${m.version}`, m);
    if (chosen.has(m.key)) continue;
    const known = newest.get(m.key);
    if (m.is_default) chosen.add(m.key); // the server's default wins over a newer version
    if (m.is_default || !known || compareVersions(m.version, known.version) > 0) newest.set(m.key, m);
  }
  return { byKeyVersion, newest, list: [...newest.values()].filter((m) => !m.disabled) };
}

export const EMPTY_INDEX: ModuleIndex = indexModules([]);

export function moduleOf(index: ModuleIndex, doc: Pick<NodeDoc, "module" | "version">): ModuleSpec | undefined {
  if (doc.version !== undefined && doc.version !== null) {
    const exact = index.byKeyVersion.get(`${doc.module}@${doc.version}`);
    if (exact) return exact;
  }
  return index.newest.get(doc.module);
}

/** What a node is called on the canvas: its label, else its module's label, else its id. */
export function nodeTitle(index: ModuleIndex, doc: NodeDoc): string {
  return doc.label || moduleOf(index, doc)?.label || doc.id;
}
