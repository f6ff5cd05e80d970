// A DataFrame output: size, column types and statistics, its rows in a virtualised table, downloads.
import { formatNumber } from "../runs/format";
import type { DataFrameMeta } from "../runs/types";
import { VirtualTable } from "./VirtualTable";
import { frameColumns } from "./frameStats";

interface Props {
  title: string; // "output Dataset of Split Data"
  meta: DataFrameMeta;
}

const STATS: [key: string, label: string][] = [
  ["count", "Count"],
  ["missing", "Missing"],
  ["mean", "Mean"],
  ["std", "Std"],
  ["min", "Min"],
  ["median", "Median"],
  ["max", "Max"],
  ["unique", "Unique"],
  ["top", "Most frequent"],
  ["true", "True"],
];

export function DataFrameView({ title, meta }: Props) {
  const { columns, computed } = frameColumns(meta);
  const rows = meta.preview?.rows ?? [];
  return (
    <div className="frame-view">
      <p>
        {meta.rows.toLocaleString()} rows × {columns.length} columns
        {rows.length < meta.rows && ` (showing the first ${rows.length.toLocaleString()} rows; download for all)`}
      </p>
      <div className="frame-stats-scroll" tabIndex={0} role="region" aria-label={`Statistics of the ${title}`}>
        <table className="frame-stats">
          <caption>
            Column types and statistics of the {title}
            {computed ? " (some computed from the rows shown)" : ""}
          </caption>
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              {STATS.map(([key, label]) => (
                <th scope="col" key={key}>
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {columns.map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>{c.dtype}</td>
                {STATS.map(([key]) => (
                  <td key={key}>{formatNumber((c.stats as Record<string, unknown> | undefined)?.[key])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <VirtualTable label={`Rows of the ${title}`} columns={columns} rows={rows} />
    </div>
  );
}
