// Evaluate Model's tables beside its charts: per-class metrics, the averages over classes, cluster
// sizes, and two scored inputs compared side by side. Plain HTML tables with captions and headers.
import { formatNumber } from "../runs/format";
import type { AverageRow, ClassRow, ClusterSize, Comparison } from "./metrics";

function cell(value: number | null): string {
  return value === null ? "—" : formatNumber(value);
}

export function PerClassTable({ rows }: { rows: ClassRow[] }) {
  return (
    <table className="metrics-table">
      <caption>Per-class metrics (each class against the rest)</caption>
      <thead>
        <tr>
          <th scope="col">Class</th>
          <th scope="col">Precision</th>
          <th scope="col">Recall</th>
          <th scope="col">F1</th>
          <th scope="col">Rows</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.label}>
            <th scope="row">{row.label}</th>
            <td>{cell(row.precision)}</td>
            <td>{cell(row.recall)}</td>
            <td>{cell(row.f1)}</td>
            <td>{cell(row.support)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AveragesTable({ rows, chosen }: { rows: AverageRow[]; chosen: string | null }) {
  return (
    <table className="metrics-table">
      <caption>Averaged over classes{chosen ? ` (the metrics above use ${chosen})` : ""}</caption>
      <thead>
        <tr>
          <th scope="col">Averaging</th>
          <th scope="col">Precision</th>
          <th scope="col">Recall</th>
          <th scope="col">F1</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.average} aria-current={row.average === chosen ? "true" : undefined}>
            <th scope="row">{row.average}</th>
            <td>{cell(row.precision)}</td>
            <td>{cell(row.recall)}</td>
            <td>{cell(row.f1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ClusterSizesTable({ rows }: { rows: ClusterSize[] }) {
  const total = rows.reduce((sum, row) => sum + row.rows, 0);
  return (
    <table className="metrics-table">
      <caption>Cluster sizes ({total} rows)</caption>
      <thead>
        <tr>
          <th scope="col">Cluster</th>
          <th scope="col">Rows</th>
          <th scope="col">Share</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.cluster}>
            <th scope="row">{row.cluster}</th>
            <td>{row.rows}</td>
            <td>{total > 0 ? `${formatNumber((100 * row.rows) / total)}%` : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function signed(value: number | null): string {
  if (value === null) return "—";
  return value > 0 ? `+${formatNumber(value)}` : formatNumber(value);
}

export function ComparisonTable({ comparison }: { comparison: Comparison }) {
  const [left, right] = comparison.labels;
  return (
    <table className="metrics-table">
      <caption>Side by side: {left} and {right}</caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">{left}</th>
          <th scope="col">{right}</th>
          <th scope="col">Difference (second − first)</th>
        </tr>
      </thead>
      <tbody>
        {comparison.rows.map((row) => (
          <tr key={row.metric}>
            <th scope="row">{row.metric}</th>
            <td>{cell(row.left)}</td>
            <td>{cell(row.right)}</td>
            <td>{signed(row.difference)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
