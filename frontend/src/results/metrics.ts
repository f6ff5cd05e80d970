// What a Metrics JSON (Evaluate Model's output) holds, read defensively: scalar values, and the
// curves and matrix the charts draw (absent or malformed parts are simply not drawn).

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

export interface MetricsContent {
  task: string | null;
  scalars: { name: string; value: number | string | boolean }[];
  roc: Roc | null;
  pr: PrCurve | null;
  residuals: Residuals | null;
  confusion: ConfusionMatrix | null;
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

/** Read a Metrics JSON: top-level scalars (numbers, text, booleans) and any curves it carries. */
export function readMetrics(json: unknown): MetricsContent {
  const content: MetricsContent = { task: null, scalars: [], roc: null, pr: null, residuals: null, confusion: null };
  if (!isObject(json)) return content;
  for (const [name, value] of Object.entries(json)) {
    if (name === "task" && typeof value === "string") content.task = value;
    else if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") {
      content.scalars.push({ name, value });
    }
  }
  const curves = isObject(json.curves) ? json.curves : {};
  content.roc = readRoc(curves.roc ?? json.roc);
  content.pr = readPr(curves.pr ?? json.pr);
  content.residuals = readResiduals(curves.residuals ?? json.residuals);
  content.confusion = readConfusion(curves.confusion_matrix ?? json.confusion_matrix);
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
