// Shapes the OpenAPI schema leaves open (the pipeline document is a JSON field there): the graph
// document of engine/document_schema.py, the catalogue's module JSON and the structured errors.

export type PortType = string; // "DataFrame", "UntrainedModel", "TrainedModel", "Metrics", "AnyFile", ...

export interface PortSpec {
  name: string;
  type: PortType;
  label: string;
  optional: boolean;
  help: string;
}

export interface ParamSpec {
  name: string;
  kind: string; // int, float, bool, choice, text, code, dataset, column, columns, ...
  label: string;
  default: unknown;
  required: boolean;
  help: string;
  [extra: string]: unknown; // min, max, choices, port, ... as the kind declares
}

export interface ModuleSpec {
  key: string;
  version: string;
  label: string;
  category: string;
  description: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  params: ParamSpec[];
  user_code: boolean;
  disabled: boolean;
  infers_schema: boolean;
  /** A custom module version's status (built-ins: active), whether it is the version the palette
   * offers, and whether a user of the workspace registered it. */
  status?: "active" | "deprecated" | "disabled";
  is_default?: boolean;
  custom?: boolean;
}

/** A parameter value, or a binding to a pipeline parameter. */
export type ParamValue = unknown | { $param: string };

export interface NodeDoc {
  id: string;
  module: string;
  version?: string | number | null;
  params?: Record<string, ParamValue>;
  position?: { x: number; y: number };
  target?: string | null;
  /** an environment of the workspace: `name` (newest version) or `name@version`; null: none */
  environment?: string | null;
  reuse?: boolean;
  timeout?: number;
  memory_mb?: number;
  cpu_seconds?: number;
  /** when the step runs again after a failure (engine/failures.py); absent or null: the server's default */
  retry?: RetryPolicy | null;
  label?: string;
  comment?: string;
}

/** A node's retry policy; what is absent takes the server's default. */
export interface RetryPolicy {
  max_attempts?: number; // 1-10, the first attempt included
  on?: string[]; // failure classes: user_code, timeout, memory, lost, launch, infrastructure
  backoff_seconds?: number; // 0-3600, doubled for each next retry
}

export interface EdgeDoc {
  id?: string;
  source: string;
  source_port: string;
  target: string;
  target_port: string;
}

export interface PipelineParameter {
  name: string;
  kind?: string;
  default?: unknown;
  min?: number;
  max?: number;
  choices?: unknown[];
  help?: string;
}

export interface PipelineDocument {
  schema_version?: 1;
  name?: string;
  description?: string;
  /** the compute target of every node that names none; absent or null: the server's default */
  default_target?: string | null;
  parameters?: PipelineParameter[];
  nodes: NodeDoc[];
  edges?: EdgeDoc[];
}

/** One structured error (engine/documents.py `error`), pointing at the place it is about. */
export interface GraphError {
  code: string;
  message: string;
  node?: string | null;
  edge?: string | null;
  port?: string | null;
  param?: string | null;
  /** the input column it is about (a refused column type) */
  column?: string | null;
  /** what the user can do about it ("encode it with Convert to Indicator Values") */
  hint?: string | null;
  field?: string;
}

/** A column known at design time (modules_catalog/schema.py `schema_json`). */
export interface ColumnInfo {
  name: string;
  dtype: string; // int, float, bool, datetime, category, string
  role?: string; // label, feature, score or weight, when Edit Metadata gave it one
}

/** Inferred table schemas of one node's ports; null where unknown. */
export interface NodeSchemas {
  inputs: Record<string, ColumnInfo[] | null>;
  outputs: Record<string, ColumnInfo[] | null>;
  /** outputs the module cannot infer, whose columns are those the node's last successful run produced */
  learned_from?: { run: number; ports: string[] };
}

/** A column's statistics as the datastore keeps them in a table's metadata (engine/datastore.py). */
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
