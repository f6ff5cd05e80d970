// Shapes of the run endpoints and the run WebSocket (designer/api/runs.py, designer/consumers.py,
// engine/selectors.py), from the generated OpenAPI types; events are narrowed here into one type
// per `type`, their fields taken from the schema's, so the two cannot drift.
import type { components } from "../api/schema";
import type { ColumnStats, PipelineDocument } from "../api/types";

export type { ColumnStats };

type Schemas = components["schemas"];

export const RUN_FINAL = ["succeeded", "failed", "cancelled"] as const;
export type RunStatus = Schemas["RunStatusEnum"];
export type StepStatus = Schemas["StepStatusEnum"];

export const STEP_FINAL: readonly StepStatus[] = ["succeeded", "cached", "failed", "skipped", "cancelled"];

export type OutputRef = Schemas["StepOutputRef"];

/** engine.selectors.step_brief: what a client needs to draw and follow one step. */
export type StepBrief = Schemas["StepBrief"] & { started_at?: string | null; finished_at?: string | null };

/** engine.selectors.run_snapshot (GET runs/<id>/ and the socket's first frame). */
export type RunSnapshot = Omit<Schemas["RunSnapshot"], "steps" | "created_at" | "experiment" | "created_by" | "version_name"> & {
  steps: StepBrief[];
  created_at: string | null;
  experiment?: string | null;
  created_by?: string | null;
  version_name?: string | null;
  source_document?: PipelineDocument | null;
};

type Event = Schemas["RunEvent"];
type EventBase = Pick<Event, "seq" | "run" | "at"> & { ts?: Event["ts"] }; // ts: events stored before it had none
type Has<K extends keyof Event> = { [P in K]-?: NonNullable<Event[P]> };
type May<K extends keyof Event> = Partial<Pick<Event, K>>;

export type RunStatusEvent = EventBase & { type: "run.status"; status: RunStatus } & May<"error">;

export type StepStatusEvent = EventBase &
  Has<"node"> & { type: "step.status"; status: StepStatus } & May<"reason" | "failure" | "error" | "duration" | "attempt" | "reused_from" | "outputs"> & {
    reused_from_run?: number; // not sent yet: the final snapshot brings it
  };

export type StepProgressEvent = EventBase & Has<"node" | "fraction"> & { type: "step.progress" } & May<"message">;

export type StepLogEvent = EventBase & Has<"node" | "text"> & { type: "step.log" };

export type StepMetricEvent = EventBase & Has<"node" | "name" | "value"> & { type: "step.metric" } & May<"step">;

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
export type StepDetail = Schemas["StepDetail"];

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

/** GET runs/<id>/steps/<node>/outputs/<port>/ (`meta` depends on the kind) */
export type StepOutput = Omit<Schemas["Artifact"], "meta"> & { meta: Record<string, unknown> };

/** GET versions/<id>/ */
export type VersionDetail = Omit<Schemas["VersionDetail"], "document" | "source_document"> & {
  document: PipelineDocument;
  source_document?: PipelineDocument | null;
};
