// The module catalogue from the server, and the search and grouping the catalogue page applies.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type components } from "../api/client";
import { useCurrentWorkspace, useWorkspaces } from "../app/hooks";

export type Module = components["schemas"]["Module"];
export type ModuleParam = components["schemas"]["ModuleParam"];
export type ModulePort = components["schemas"]["ModulePort"];

/** The default version of every module of the current workspace: built-ins and its custom modules. */
export function useModules() {
  const workspaces = useWorkspaces();
  const workspace = useCurrentWorkspace()?.slug;
  return useQuery({
    queryKey: ["modules", workspace ?? ""],
    queryFn: async () => unwrap(await api.GET("/api/v1/modules/", { params: { query: workspace ? { workspace } : {} } })),
    enabled: !workspaces.isPending, // which workspace's custom modules: known once the workspaces are
    staleTime: 5 * 60_000,
  });
}

/** Modules whose label, key, category, help or port and parameter names hold every word of `query`. */
export function searchModules(modules: Module[], query: string, category: string | null): Module[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return modules.filter((m) => {
    if (category && m.category !== category) return false;
    const text = [
      m.label,
      m.key,
      m.category,
      m.description,
      ...m.inputs.map((p) => p.label),
      ...m.outputs.map((p) => p.label),
      ...m.params.map((p) => p.label),
    ]
      .join(" ")
      .toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** Modules by category, categories and modules in alphabetical order. */
export function byCategory(modules: Module[]): [string, Module[]][] {
  const groups = new Map<string, Module[]>();
  for (const m of modules) groups.set(m.category, [...(groups.get(m.category) ?? []), m]);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([category, list]) => [category, list.sort((a, b) => a.label.localeCompare(b.label))]);
}
