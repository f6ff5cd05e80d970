// Shapes of the run endpoints and the run WebSocket (designer/api/runs.py, designer/consumers.py,
// engine/selectors.py). The OpenAPI schema still types some of them as plain objects; these local
// types hold until schema.d.ts is regenerated with the real serializers.
import type { PipelineDocument } from "../api/types";

export const RUN_FINAL = ["succeeded", "failed", "cancelled"] as const;
export type RunStatus = "queued" | "running" | (typeof RUN_FINAL)[number];

export type StepStatus =
  | "waiting"
  | "queued"
  | "running"
  | "succeeded"
  | "cached"
  | "failed"
  | "skipped"
  | "cancelled";

export const STEP_FINAL: readonly StepStatus[] = ["succeeded", "cached", "failed", "skipped", "cancelled"];

export interface OutputRef {
  digest: string;
  kind: string;
}

/** engine.selectors.step_brief: what a client needs to draw and follow one step. */
export interface StepBrief {
  node: string;
  module: string;
  status: StepStatus;
  outputs: Record<string, OutputRef>;
  reason?: string;
  error?: string;
  duration?: number;
  reused_from_run?: number;
  started_at?: string | null;
  finished_at?: string | null;
}

/** engine.selectors.run_snapshot (GET runs/<id>/ and the socket's first frame). */
export interface RunSnapshot {
  id: number;
  workspace: string;
  version: number;
  status: RunStatus;
  params: Record<string, unknown>;
  force: boolean;
  error: string;
  created_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  seq: number;
  steps: StepBrief[];
  // being added on the server; shown when present
  experiment?: string | null;
  created_by?: string | null;
  version_name?: string | null;
  source_document?: PipelineDocument | null;
}

interface EventBase {
  seq: number;
  run: number;
  at: string; // ISO 8601, the server's time
  ts?: number; // epoch ms, the server's time (being added)
}

export interface RunStatusEvent extends EventBase {
  type: "run.status";
  status: RunStatus;
  error?: string;
}

export interface StepStatusEvent extends EventBase {
  type: "step.status";
  node: string;
  status: StepStatus;
  reason?: string;
  error?: string;
  duration?: number;
  attempt?: number;
  reused_from?: number; // the step id it reused (not the run)
  reused_from_run?: number;
  outputs?: Record<string, OutputRef>;
}

export interface StepProgressEvent extends EventBase {
  type: "step.progress";
  node: string;
  fraction: number;
  message?: string;
}

export interface StepLogEvent extends EventBase {
  type: "step.log";
  node: string;
  text: string;
}

export interface StepMetricEvent extends EventBase {
  type: "step.metric";
  node: string;
  name: string;
  value: number;
  step?: number | null;
}

export type RunEvent = RunStatusEvent | StepStatusEvent | StepProgressEvent | StepLogEvent | StepMetricEvent;

export interface EventPage {
  results: RunEvent[];
  next: string | null;
}

/** What the run socket sends. */
export type RunFrame =
  | { type: "snapshot"; seq: number; run: RunSnapshot }
  | { type: "events"; seq: number; events: RunEvent[] };

/** engine.selectors.step_detail */
export interface StepDetail extends StepBrief {
  version: string;
  target: string | null;
  reused: boolean;
  cache_key: string;
  metrics: { name: string; value: number; step?: number | null }[];
  log: string;
  traceback: string;
  attempts: { number: number; status: string; reason: string; started_at: string | null; finished_at: string | null }[];
  run: number;
  peak_rss_mb?: number | null;
}

export interface ColumnStats {
  count?: number;
  missing?: number;
  mean?: number | null;
  std?: number | null;
  min?: number | null;
  max?: number | null;
  median?: number | null;
  median_sampled?: boolean;
  unique?: number;
  top?: string;
  true?: number;
}

export interface FrameColumn {
  name: string;
  dtype: string;
  stats?: ColumnStats;
}

/** engine.datastore.dataframe_meta */
export interface DataFrameMeta {
  rows: number;
  columns: FrameColumn[];
  preview: { columns: string[]; rows: unknown[][] };
}

/** GET runs/<id>/steps/<node>/outputs/<port>/ */
export interface StepOutput {
  digest: string;
  kind: string;
  size: number;
  meta: Record<string, unknown>;
  created_at: string | null;
}

/** GET versions/<id>/ */
export interface VersionDetail {
  id: number;
  workspace: string;
  draft: number | null;
  name: string;
  digest: string;
  created_by: string | null;
  created_at: string;
  document: PipelineDocument;
  source_document?: PipelineDocument | null;
}
