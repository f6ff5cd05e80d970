// What a Metrics JSON (Evaluate Model's output) holds, read defensively: scalar values, the curves
// and matrix the charts draw, the per-class, averaging and cluster tables, and a side-by-side
// comparison of two scored inputs (absent or malformed parts are simply not shown).

export interface Roc {
  fpr: number[];
  tpr: number[];
  thresholds: (number | null)[]; // null where a point has none (ROC's first: nothing predicted positive)
  auc: number | null;
}

export interface PrCurve {
  recall: number[];
  precision: number[];
  thresholds: (number | null)[];
  averagePrecision: number | null;
}

export interface Residuals {
  actual: number[];
  predicted: number[];
}

export interface ConfusionMatrix {
  labels: string[];
  matrix: number[][];
}

/** One class's row of the per-class table (precision, recall, F1 of that class against the rest). */
export interface ClassRow {
  label: string;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  support: number | null;
}

/** Precision, recall and F1 under one averaging over classes (macro, micro, weighted). */
export interface AverageRow {
  average: string;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface ClusterSize {
  cluster: string;
  rows: number;
}

/** Evaluate Model's two scored inputs side by side: every number metric of both, and right − left. */
export interface Comparison {
  labels: [string, string];
  rows: { metric: string; left: number | null; right: number | null; difference: number | null }[];
}

export interface MetricsContent {
  task: string | null;
  kind: string | null; // a classifier's: "binary" or "multiclass"
  scalars: { name: string; value: number | string | boolean }[];
  roc: Roc | null;
  pr: PrCurve | null;
  residuals: Residuals | null;
  confusion: ConfusionMatrix | null;
  perClass: ClassRow[] | null;
  averages: AverageRow[] | null;
  clusterSizes: ClusterSize[] | null;
  comparison: Comparison | null;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function numbers(v: unknown): number[] | null {
  return Array.isArray(v) && v.every((x) => typeof x === "number") ? (v as number[]) : null;
}

function thresholds(v: unknown): (number | null)[] {
  return Array.isArray(v) && v.every((x) => x === null || typeof x === "number") ? (v as (number | null)[]) : [];
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function readRoc(v: unknown): Roc | null {
  if (!isObject(v)) return null;
  const fpr = numbers(v.fpr);
  const tpr = numbers(v.tpr);
  if (!fpr || !tpr || fpr.length !== tpr.length || fpr.length === 0) return null;
  return { fpr, tpr, thresholds: thresholds(v.thresholds), auc: num(v.auc) };
}

function readPr(v: unknown): PrCurve | null {
  if (!isObject(v)) return null;
  const recall = numbers(v.recall);
  const precision = numbers(v.precision);
  if (!recall || !precision || recall.length !== precision.length || recall.length === 0) return null;
  return { recall, precision, thresholds: thresholds(v.thresholds), averagePrecision: num(v.average_precision) };
}

function readResiduals(v: unknown): Residuals | null {
  if (!isObject(v)) return null;
  const actual = numbers(v.actual);
  const predicted = numbers(v.predicted);
  if (!actual || !predicted || actual.length !== predicted.length || actual.length === 0) return null;
  return { actual, predicted };
}

function readConfusion(v: unknown): ConfusionMatrix | null {
  if (!isObject(v) || !Array.isArray(v.labels) || !Array.isArray(v.matrix)) return null;
  const labels = v.labels.map(String);
  const matrix = v.matrix.map(numbers);
  if (matrix.length !== labels.length || matrix.some((row) => !row || row.length !== labels.length)) return null;
  return { labels, matrix: matrix as number[][] };
}

function label(v: unknown): string | null {
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : null;
}

function readPerClass(v: unknown): ClassRow[] | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  const rows: ClassRow[] = [];
  for (const row of v) {
    const name = isObject(row) ? label(row.class) : null;
    if (!isObject(row) || name === null) return null;
    rows.push({ label: name, precision: num(row.precision), recall: num(row.recall), f1: num(row.f1), support: num(row.support) });
  }
  return rows;
}

function readAverages(v: unknown): AverageRow[] | null {
  if (!isObject(v)) return null;
  const rows = Object.entries(v)
    .filter(([, row]) => isObject(row))
    .map(([average, row]) => {
      const r = row as Json;
      return { average, precision: num(r.precision), recall: num(r.recall), f1: num(r.f1) };
    });
  return rows.length ? rows : null;
}

function readClusterSizes(v: unknown): ClusterSize[] | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  const rows: ClusterSize[] = [];
  for (const row of v) {
    const cluster = isObject(row) ? label(row.cluster) : null;
    const count = isObject(row) ? num(row.rows) : null;
    if (cluster === null || count === null) return null;
    rows.push({ cluster, rows: count });
  }
  return rows;
}

function readComparison(v: unknown): Comparison | null {
  if (!isObject(v) || !Array.isArray(v.metrics)) return null;
  const names = Array.isArray(v.labels) && v.labels.length === 2 ? v.labels.map(String) : ["First", "Second"];
  const rows = v.metrics
    .filter((row): row is Json => isObject(row) && typeof row.metric === "string")
    .map((row) => ({ metric: row.metric as string, left: num(row.left), right: num(row.right), difference: num(row.difference) }));
  return rows.length ? { labels: [names[0], names[1]], rows } : null;
}

/** Read a Metrics JSON: top-level scalars (numbers, text, booleans), the curves and tables it carries. */
export function readMetrics(json: unknown): MetricsContent {
  const content: MetricsContent = {
    task: null, kind: null, scalars: [], roc: null, pr: null, residuals: null, confusion: null,
    perClass: null, averages: null, clusterSizes: null, comparison: null,
  };
  if (!isObject(json)) return content;
  for (const [name, value] of Object.entries(json)) {
    if (name === "task" && typeof value === "string") content.task = value;
    else if (name === "kind" && typeof value === "string") content.kind = value;
    else if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") {
      content.scalars.push({ name, value });
    }
  }
  const curves = isObject(json.curves) ? json.curves : {};
  content.roc = readRoc(curves.roc ?? json.roc);
  content.pr = readPr(curves.pr ?? json.pr);
  content.residuals = readResiduals(curves.residuals ?? json.residuals);
  content.confusion = readConfusion(curves.confusion_matrix ?? json.confusion_matrix);
  content.perClass = readPerClass(json.per_class);
  content.averages = readAverages(json.averages);
  content.clusterSizes = readClusterSizes(json.cluster_sizes);
  content.comparison = readComparison(json.comparison);
  return content;
}

/** At most `max` indices, evenly spread and always keeping the first and the last. */
export function sampleIndices(length: number, max: number): number[] {
  if (length <= max) return Array.from({ length }, (_, i) => i);
  const out: number[] = [];
  const step = (length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(Math.round(i * step));
  return [...new Set(out)];
}
