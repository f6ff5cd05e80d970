// Datasets as the datasets pages read them: every version in the workspace (grouped by name), one
// version's details, its sibling versions, and its preview with column statistics.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type components } from "../api/client";
import type { ColumnStats } from "../api/types";

export type { ColumnStats };

export type Dataset = components["schemas"]["Dataset"];
export type DatasetDetail = components["schemas"]["DatasetDetail"];

export interface ColumnSummary {
  name: string;
  dtype: string;
  stats: ColumnStats;
  top_values?: { value: string; count: number }[] | null;
}

/** GET /api/v1/datasets/<id>/preview/, with the parts the schema leaves open (stats, preview) typed. */
export type DatasetPreview = Omit<components["schemas"]["DatasetPreview"], "columns" | "preview"> & {
  columns: ColumnSummary[];
  preview: { columns: string[]; rows: unknown[][] };
};

export interface DatasetGroup {
  name: string;
  versions: Dataset[]; // newest first
}

export const LIST_LIMIT = 1000;

/** Versions grouped by dataset name, names in alphabetical order, versions newest first. */
export function groupByName(datasets: Dataset[]): DatasetGroup[] {
  const groups = new Map<string, Dataset[]>();
  for (const d of datasets) groups.set(d.name, [...(groups.get(d.name) ?? []), d]);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, versions]) => ({ name, versions: versions.sort((a, b) => b.version - a.version) }));
}

export function useDatasetList(workspace: string | undefined) {
  return useQuery({
    queryKey: ["datasets", workspace],
    enabled: !!workspace,
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/datasets/", { params: { query: { workspace, limit: LIST_LIMIT } } })),
  });
}

export function useDataset(id: number) {
  return useQuery({
    queryKey: ["dataset", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/datasets/{dataset_id}/", { params: { path: { dataset_id: id } } })),
  });
}

export function useDatasetVersions(dataset: DatasetDetail | undefined) {
  return useQuery({
    queryKey: ["datasets", dataset?.workspace, "versions", dataset?.name],
    enabled: !!dataset,
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/datasets/", {
          params: { query: { workspace: dataset?.workspace, name: dataset?.name, limit: LIST_LIMIT } },
        }),
      ).results,
  });
}

export function useDatasetPreview(id: number) {
  return useQuery({
    queryKey: ["dataset", id, "preview"],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/datasets/{dataset_id}/preview/", { params: { path: { dataset_id: id } } }),
      ) as DatasetPreview,
  });
}
