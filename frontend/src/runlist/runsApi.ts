// The run list and what its filters offer: runs a page at a time (filtered by pipeline, experiment
// and status), the workspace's experiments, and its pipelines (drafts).
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type components } from "../api/client";
import type { RunFilters } from "./filters";

export type RunRow = components["schemas"]["Run"];

export const RUN_PAGE = 50;

export function pipelineOf(run: RunRow): string {
  const name = run.pipeline_name || run.version_name || `version ${run.version}`;
  return run.version_number ? `${name} v${run.version_number}` : name;
}

export function whoOf(run: RunRow): string | null {
  return run.created_by ?? null;
}

/** Seconds the run ran: the server's figure, else from its start and finish (or now while running). */
export function durationOf(run: RunRow, now: number = Date.now()): number | null {
  if (run.duration != null) return run.duration;
  if (!run.started_at) return null;
  const end = run.finished_at ? Date.parse(run.finished_at) : now;
  return Math.max(0, (end - Date.parse(run.started_at)) / 1000);
}

const ACTIVE = new Set(["queued", "running"]);

export function useRuns(workspace: string | undefined, filters: RunFilters) {
  return useQuery({
    queryKey: ["runs", workspace, filters],
    enabled: !!workspace,
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/runs/", {
          params: {
            query: {
              workspace,
              pipeline: filters.pipeline ?? undefined,
              experiment: filters.experiment ?? undefined,
              status: filters.status ?? undefined,
              limit: RUN_PAGE,
              offset: filters.offset,
            },
          },
        }),
      ),
    // while a run on the page is still going, keep its status and duration current
    refetchInterval: (query) => (query.state.data?.results.some((r) => ACTIVE.has(r.status ?? "")) ? 5000 : false),
    placeholderData: (previous) => previous,
  });
}

export function useExperiments(workspace: string | undefined) {
  return useQuery({
    queryKey: ["experiments", workspace],
    enabled: !!workspace,
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/experiments/", { params: { query: { workspace } } }))
        .results.map((e) => e.name)
        .sort((a, b) => a.localeCompare(b)),
  });
}

export function usePipelineChoices(workspace: string | undefined) {
  return useQuery({
    queryKey: ["drafts", workspace ?? "", "choices"],
    enabled: !!workspace,
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/drafts/", { params: { query: { workspace, limit: 1000 } } })).results.map(
        (d) => ({ id: d.id, name: d.name }),
      ),
  });
}
