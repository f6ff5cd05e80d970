// The calls of the submit dialog: plan and submit of a saved draft (designer/api/drafts.py, body
// ExecutionSerializer) and the experiments runs are filed under (designer/api/runs.py).
import { ApiError, api, unwrap, type components } from "../api/client";
import type { GraphError } from "../api/types";

/** The body of plan and submit: params, force and the experiment the run is filed under. */
export type ExecutionBody = components["schemas"]["ExecutionInput"];
export type PlanItem = components["schemas"]["PlanItem"];

/** One node of the plan as the canvas marks it. */
export interface PlanMark {
  node_id: string;
  action: "run" | "reuse";
  reason: string;
}

/** An experiment runs are filed under (GET /api/v1/experiments/): name, runs, last_run_at. */
export type Experiment = components["schemas"]["Experiment"];

/** The structured errors of a failed answer (`{"errors": [...]}`), or one saying what failed. */
export function errorsOf(error: unknown): GraphError[] {
  if (error instanceof ApiError) {
    const body = error.body;
    if (body && typeof body === "object" && "errors" in body && Array.isArray(body.errors) && body.errors.length) {
      return body.errors as GraphError[];
    }
    return [{ code: "http_error", message: error.message }];
  }
  const message = error instanceof Error ? error.message : String(error);
  return [{ code: "network_error", message: `The server could not be reached: ${message}` }];
}

export function planMarks(items: PlanItem[]): PlanMark[] {
  return items.map((item) => ({ node_id: item.node, action: item.action, reason: item.reason }));
}

export async function fetchPlan(draftId: number, body: ExecutionBody, signal?: AbortSignal): Promise<PlanItem[]> {
  return unwrap(
    await api.POST("/api/v1/drafts/{draft_id}/plan/", { params: { path: { draft_id: draftId } }, body, signal }),
  );
}

export async function submitDraft(draftId: number, body: ExecutionBody) {
  return unwrap(await api.POST("/api/v1/drafts/{draft_id}/submit/", { params: { path: { draft_id: draftId } }, body }));
}

export async function fetchExperiments(workspaceSlug?: string): Promise<Experiment[]> {
  const query = workspaceSlug ? { workspace: workspaceSlug } : {};
  return unwrap(await api.GET("/api/v1/experiments/", { params: { query } })).results;
}
