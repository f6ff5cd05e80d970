// The run page's calls to the REST API (typed locally where the schema still says "object").
import { ApiError, api, unwrap } from "../api/client";
import type { GraphError, ModuleSpec, PipelineDocument } from "../api/types";
import type { EventPage, RunSnapshot, StepDetail, StepOutput, VersionDetail } from "./types";

export async function fetchRunSnapshot(runId: number): Promise<RunSnapshot> {
  const run = unwrap(await api.GET("/api/v1/runs/{run_id}/", { params: { path: { run_id: runId } } }));
  return { ...run, source_document: run.source_document as PipelineDocument }; // a JSON field in the schema
}

export async function fetchEventsAfter(runId: number, after: number): Promise<EventPage> {
  const page = unwrap(
    await api.GET("/api/v1/runs/{run_id}/events/", { params: { path: { run_id: runId }, query: { after } } }),
  );
  return page as EventPage; // the schema's flat event, narrowed by its `type`
}

export async function cancelRun(runId: number): Promise<RunSnapshot> {
  return unwrap(await api.POST("/api/v1/runs/{run_id}/cancel/", { params: { path: { run_id: runId } } }));
}

export async function fetchStep(runId: number, nodeId: string): Promise<StepDetail> {
  const result = await api.GET("/api/v1/runs/{run_id}/steps/{node_id}/", {
    params: { path: { run_id: runId, node_id: nodeId } },
  });
  return unwrap(result);
}

export async function fetchStepOutput(runId: number, nodeId: string, port: string): Promise<StepOutput> {
  const result = await api.GET("/api/v1/runs/{run_id}/steps/{node_id}/outputs/{port}/", {
    params: { path: { run_id: runId, node_id: nodeId, port } },
  });
  return unwrap(result) as unknown as StepOutput;
}

export function stepOutputDownloadUrl(runId: number, nodeId: string, port: string, format?: "csv"): string {
  const base = `/api/v1/runs/${runId}/steps/${encodeURIComponent(nodeId)}/outputs/${encodeURIComponent(port)}/download/`;
  return format ? `${base}?format=${format}` : base;
}

export async function fetchVersion(versionId: number): Promise<VersionDetail> {
  const result = await api.GET("/api/v1/versions/{version_id}/", { params: { path: { version_id: versionId } } });
  return unwrap(result) as unknown as VersionDetail;
}

/** Every version of every module the run's workspace may use (a node may be pinned to any). */
export async function fetchModules(workspace?: string): Promise<ModuleSpec[]> {
  const query = { all: "1" as const, ...(workspace ? { workspace } : {}) };
  return unwrap(await api.GET("/api/v1/modules/", { params: { query } })) as ModuleSpec[];
}

export interface SubmitInput {
  params: Record<string, unknown>;
  force: boolean;
  experiment?: string;
}

/** Submits the version again; answers the new run's id. */
export async function submitVersion(versionId: number, input: SubmitInput): Promise<number> {
  const result = await api.POST("/api/v1/versions/{version_id}/submit/", {
    params: { path: { version_id: versionId } },
    body: input,
  });
  return unwrap(result).run.id;
}

/** A new draft holding `document`; answers its id. */
export async function createDraft(input: { workspace: string; name: string; document: PipelineDocument }): Promise<number> {
  const result = await api.POST("/api/v1/drafts/", { body: { ...input, description: "" } });
  return unwrap(result).id;
}

/** The messages of a failed call, one per structured error, for a person to read. */
export function errorMessages(error: unknown): string[] {
  if (error instanceof ApiError) {
    const body = error.body as { errors?: GraphError[] } | null;
    if (body && Array.isArray(body.errors) && body.errors.length > 0) {
      return body.errors.map((e) => (e.param ? `${e.param}: ${e.message}` : e.message));
    }
    return [error.message];
  }
  if (error instanceof Error) return [error.message];
  return ["Something went wrong."];
}
