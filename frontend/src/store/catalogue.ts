// The module catalogue as the canvas looks it up: a node's module by key and version (absent
// version: the newest), and the modules the palette offers.
import type { ModuleSpec, NodeDoc } from "../api/types";

export interface ModuleIndex {
  byKeyVersion: Map<string, ModuleSpec>;
  newest: Map<string, ModuleSpec>;
  list: ModuleSpec[];
}

function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

export function indexModules(modules: readonly ModuleSpec[]): ModuleIndex {
  const byKeyVersion = new Map<string, ModuleSpec>();
  const newest = new Map<string, ModuleSpec>();
  for (const m of modules) {
    byKeyVersion.set(`${m.key}@${m.version}`, m);
    const known = newest.get(m.key);
    if (!known || compareVersions(m.version, known.version) > 0) newest.set(m.key, m);
  }
  return { byKeyVersion, newest, list: [...newest.values()] };
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
