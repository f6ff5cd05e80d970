// A DataFrame output: size, column types and statistics (from the server's metadata), and every
// one of its rows in a virtualised table that fetches them a page at a time as they scroll in.
import { useCallback, useState } from "react";
import { formatNumber } from "../runs/format";
import type { DataFrameMeta } from "../runs/types";
import { VirtualTable } from "./VirtualTable";
import { frameColumns } from "./frameStats";
import { PAGE_SIZE, type RowsSource } from "./rowsApi";
import { usePagedRows } from "./usePagedRows";

interface Props {
  title: string; // "output Dataset of Split Data"
  meta: DataFrameMeta;
  source: RowsSource;
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

export function DataFrameView({ title, meta, source }: Props) {
  const { columns, computed } = frameColumns(meta);
  const total = meta.rows;
  const [drawn, setDrawn] = useState({ first: 0, last: Math.min(total, PAGE_SIZE) - 1 });
  const onRangeChange = useCallback((first: number, last: number) => setDrawn({ first, last }), []);
  const { rowAt, errors } = usePagedRows(source, {
    total,
    ...drawn,
    columns: columns.map((c) => c.name),
    preview: meta.preview?.rows ?? [],
  });
  return (
    <div className="frame-view">
      <p>
        {total.toLocaleString()} rows × {columns.length} columns
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
      {errors.map((message) => (
        <p role="alert" key={message}>
          {message}
        </p>
      ))}
      <VirtualTable label={`Rows of the ${title}`} columns={columns} count={total} rowAt={rowAt} onRangeChange={onRangeChange} />
    </div>
  );
}
