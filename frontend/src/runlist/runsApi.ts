// The run list and what its filters offer: runs a page at a time (filtered by pipeline, experiment
// and status), the workspace's experiments, and its pipelines (drafts).
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type components } from "../api/client";
import type { RunFilters } from "./filters";

/** A run as the list shows it; the newer list fields are optional until every server has them. */
export type RunRow = components["schemas"]["Run"] & {
  experiment?: string | null;
  pipeline_name?: string | null;
  draft?: number | null;
  duration?: number | null;
};

export interface RunPage {
  count: number;
  results: RunRow[];
}

export const RUN_PAGE = 50;

export function pipelineOf(run: RunRow): string {
  return run.pipeline_name || run.version_name || `version ${run.version}`;
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

async function getJson<T>(path: string, query: Record<string, string | number | null | undefined>): Promise<T> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value != null && value !== "") params.set(key, String(value));
  const response = await fetch(`${path}?${params}`, { credentials: "same-origin" });
  const body = await response.json().catch(() => null);
  return unwrap<T>({ data: body, error: response.ok ? undefined : body, response });
}

const ACTIVE = new Set(["queued", "running"]);

export function useRuns(workspace: string | undefined, filters: RunFilters) {
  return useQuery({
    queryKey: ["runs", workspace, filters],
    enabled: !!workspace,
    // plain fetch: the pipeline and experiment filters are newer than the generated schema
    queryFn: () =>
      getJson<RunPage>("/api/v1/runs/", {
        workspace,
        pipeline: filters.pipeline,
        experiment: filters.experiment,
        status: filters.status,
        limit: RUN_PAGE,
        offset: filters.offset,
      }),
    // while a run on the page is still going, keep its status and duration current
    refetchInterval: (query) => (query.state.data?.results.some((r) => ACTIVE.has(r.status ?? "")) ? 5000 : false),
    placeholderData: (previous) => previous,
  });
}

/** The names of the workspace's experiments, however the server lists them. */
export function experimentNames(body: unknown): string[] {
  const items = Array.isArray(body) ? body : ((body as { results?: unknown[] } | null)?.results ?? []);
  const names = items.map((item) =>
    typeof item === "string" ? item : String((item as { name?: unknown }).name ?? ""),
  );
  return [...new Set(names.filter(Boolean))].sort((a, b) => a.localeCompare(b));
}

export function useExperiments(workspace: string | undefined) {
  return useQuery({
    queryKey: ["experiments", workspace],
    enabled: !!workspace,
    queryFn: async () => experimentNames(await getJson("/api/v1/experiments/", { workspace })),
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
