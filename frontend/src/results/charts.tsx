// The evaluation charts (recharts): ROC and precision-recall curves for classifiers, residuals and
// predicted-vs-actual for regressors. Each is a titled figure with its points as a table too.
import { useId, type ReactNode } from "react";
import { CartesianGrid, Line, LineChart, ReferenceLine, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from "recharts";
import { formatNumber } from "../runs/format";
import { sampleIndices, type PrCurve, type Residuals, type Roc } from "./metrics";

const WIDTH = 440;
const HEIGHT = 300;
const MAX_POINTS = 500; // drawn and tabulated at most; curves are sampled evenly beyond
const MARGIN = { top: 10, right: 20, bottom: 30, left: 20 };

interface Column {
  key: string;
  label: string;
}

interface FigureProps {
  title: string;
  summary: string; // what the chart shows, for a screen reader
  columns: Column[];
  rows: Record<string, number | null>[];
  total: number; // points before sampling
  children: ReactNode;
}

/** A chart with its title, its summary as the image's name, and its points as a table. */
export function ChartFigure({ title, summary, columns, rows, total, children }: FigureProps) {
  const captionId = useId();
  return (
    <figure className="chart" aria-labelledby={captionId}>
      <figcaption id={captionId}>{title}</figcaption>
      <div role="img" aria-label={`${title}: ${summary}`}>
        {children}
      </div>
      <details>
        <summary>{`Data of the ${title.toLowerCase()} as a table`}</summary>
        {rows.length < total && <p>{`${rows.length} of ${total} points, evenly spaced.`}</p>}
        <table className="chart-table">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.key} scope="col">
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i}>
                {columns.map((c) => (
                  <td key={c.key}>{row[c.key] === null || row[c.key] === undefined ? "—" : formatNumber(row[c.key])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function points(length: number, pick: (i: number) => Record<string, number | null>): Record<string, number | null>[] {
  return sampleIndices(length, MAX_POINTS).map(pick);
}

function axisLabel(value: string, axis: "x" | "y") {
  return axis === "x"
    ? { value, position: "insideBottom" as const, offset: -15 }
    : { value, angle: -90, position: "insideLeft" as const, style: { textAnchor: "middle" as const } };
}

const UNIT = [0, 1] as [number, number];
const tick = (value: number) => formatNumber(value);

export function RocChart({ roc }: { roc: Roc }) {
  const rows = points(roc.fpr.length, (i) => ({ fpr: roc.fpr[i], tpr: roc.tpr[i], threshold: roc.thresholds[i] ?? null }));
  const auc = roc.auc === null ? "" : ` (AUC ${formatNumber(roc.auc)})`;
  return (
    <ChartFigure
      title={`ROC curve${auc}`}
      summary={`true positive rate against false positive rate over ${roc.fpr.length} thresholds${auc}`}
      columns={[{ key: "fpr", label: "False positive rate" }, { key: "tpr", label: "True positive rate" }, { key: "threshold", label: "Threshold" }]}
      rows={rows}
      total={roc.fpr.length}
    >
      <LineChart width={WIDTH} height={HEIGHT} data={rows} margin={MARGIN} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis tickFormatter={tick} type="number" dataKey="fpr" domain={UNIT} label={axisLabel("False positive rate", "x")} />
        <YAxis tickFormatter={tick} type="number" domain={UNIT} label={axisLabel("True positive rate", "y")} />
        <Tooltip formatter={(v) => formatNumber(v)} />
        <ReferenceLine segment={[{ x: 0, y: 0 }, { x: 1, y: 1 }]} stroke="#9aa1ad" strokeDasharray="4 4" />
        <Line type="linear" dataKey="tpr" name="True positive rate" stroke="#2557d6" dot={false} isAnimationActive={false} />
      </LineChart>
    </ChartFigure>
  );
}

export function PrChart({ pr }: { pr: PrCurve }) {
  const rows = points(pr.recall.length, (i) => ({ recall: pr.recall[i], precision: pr.precision[i], threshold: pr.thresholds[i] ?? null }));
  const ap = pr.averagePrecision === null ? "" : ` (average precision ${formatNumber(pr.averagePrecision)})`;
  return (
    <ChartFigure
      title={`Precision-recall curve${ap}`}
      summary={`precision against recall over ${pr.recall.length} thresholds${ap}`}
      columns={[{ key: "recall", label: "Recall" }, { key: "precision", label: "Precision" }, { key: "threshold", label: "Threshold" }]}
      rows={rows}
      total={pr.recall.length}
    >
      <LineChart width={WIDTH} height={HEIGHT} data={rows} margin={MARGIN} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis tickFormatter={tick} type="number" dataKey="recall" domain={UNIT} label={axisLabel("Recall", "x")} />
        <YAxis tickFormatter={tick} type="number" domain={UNIT} label={axisLabel("Precision", "y")} />
        <Tooltip formatter={(v) => formatNumber(v)} />
        <Line type="linear" dataKey="precision" name="Precision" stroke="#d55e00" dot={false} isAnimationActive={false} />
      </LineChart>
    </ChartFigure>
  );
}

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

export function ResidualChart({ residuals }: { residuals: Residuals }) {
  const n = residuals.actual.length;
  const rows = points(n, (i) => ({ predicted: residuals.predicted[i], residual: residuals.actual[i] - residuals.predicted[i] }));
  return (
    <ChartFigure
      title="Residuals"
      summary={`actual minus predicted value against the predicted value, ${n} rows`}
      columns={[{ key: "predicted", label: "Predicted" }, { key: "residual", label: "Residual (actual − predicted)" }]}
      rows={rows}
      total={n}
    >
      <ScatterChart width={WIDTH} height={HEIGHT} margin={MARGIN} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis tickFormatter={tick} type="number" dataKey="predicted" name="Predicted" domain={["auto", "auto"]} label={axisLabel("Predicted", "x")} />
        <YAxis tickFormatter={tick} type="number" dataKey="residual" name="Residual" domain={["auto", "auto"]} label={axisLabel("Residual", "y")} />
        <Tooltip formatter={(v) => formatNumber(v)} />
        <ReferenceLine y={0} stroke="#9aa1ad" strokeDasharray="4 4" />
        <Scatter data={rows} fill="#0072b2" isAnimationActive={false} />
      </ScatterChart>
    </ChartFigure>
  );
}

export function PredictedActualChart({ residuals }: { residuals: Residuals }) {
  const n = residuals.actual.length;
  const rows = points(n, (i) => ({ actual: residuals.actual[i], predicted: residuals.predicted[i] }));
  const [low, high] = extent([...residuals.actual, ...residuals.predicted]);
  const [lo, hi] = [Math.floor(low), Math.ceil(high)];
  return (
    <ChartFigure
      title="Predicted against actual"
      summary={`the predicted value against the actual value, ${n} rows; on the diagonal the prediction is exact`}
      columns={[{ key: "actual", label: "Actual" }, { key: "predicted", label: "Predicted" }]}
      rows={rows}
      total={n}
    >
      <ScatterChart width={WIDTH} height={HEIGHT} margin={MARGIN} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis tickFormatter={tick} type="number" dataKey="actual" name="Actual" domain={[lo, hi]} label={axisLabel("Actual", "x")} />
        <YAxis tickFormatter={tick} type="number" dataKey="predicted" name="Predicted" domain={[lo, hi]} label={axisLabel("Predicted", "y")} />
        <Tooltip formatter={(v) => formatNumber(v)} />
        <ReferenceLine segment={[{ x: lo, y: lo }, { x: hi, y: hi }]} stroke="#9aa1ad" strokeDasharray="4 4" />
        <Scatter data={rows} fill="#009e73" isAnimationActive={false} />
      </ScatterChart>
    </ChartFigure>
  );
}
