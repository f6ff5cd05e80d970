// Every column of a dataset: its type, how many values are missing, and its statistics (range and
// mean of numbers, distinct count and top values of text, true/false of booleans).
import { formatNumber } from "../home/format";
import type { ColumnSummary } from "./datasetsApi";

const NUMERIC = new Set(["int", "float"]);

function Missing({ column, rows }: { column: ColumnSummary; rows: number }) {
  const missing = column.stats.missing ?? 0;
  const share = rows > 0 ? (100 * missing) / rows : 0;
  return (
    <>
      {missing.toLocaleString()}
      {missing > 0 && <span className="muted"> ({share < 0.1 ? "<0.1" : share.toFixed(1)}%)</span>}
    </>
  );
}

function NumberStats({ column }: { column: ColumnSummary }) {
  const s = column.stats;
  if (s.min == null && s.max == null) return <span className="muted">no values</span>;
  return (
    <ul className="stat-list">
      <li>
        min {formatNumber(s.min)} · max {formatNumber(s.max)}
      </li>
      <li>
        mean {formatNumber(s.mean)}
        {s.std != null && <> · std {formatNumber(s.std)}</>}
        {s.median != null && (
          <>
            {" "}
            · median {formatNumber(s.median)}
            {s.median_sampled && <span className="muted"> (sampled)</span>}
          </>
        )}
      </li>
    </ul>
  );
}

function TextStats({ column }: { column: ColumnSummary }) {
  const { unique, top } = column.stats;
  const values = column.top_values ?? [];
  const largest = Math.max(1, ...values.map((v) => v.count));
  return (
    <div>
      <span>{(unique ?? 0).toLocaleString()} distinct</span>
      {values.length > 0 ? (
        <ol className="top-values" aria-label={`Most frequent values of ${column.name}`}>
          {values.map((v) => (
            <li key={v.value}>
              <span className="bar" style={{ width: `${(4 * v.count) / largest}rem` }} aria-hidden="true" />“{v.value}” ×{" "}
              {v.count.toLocaleString()}
            </li>
          ))}
        </ol>
      ) : (
        top !== undefined && <span> · most frequent “{top}”</span>
      )}
    </div>
  );
}

function BoolStats({ column }: { column: ColumnSummary }) {
  const yes = column.stats.true ?? 0;
  const count = column.stats.count ?? 0;
  return (
    <span>
      true {yes.toLocaleString()} · false {(count - yes).toLocaleString()}
    </span>
  );
}

function Statistics({ column }: { column: ColumnSummary }) {
  if (NUMERIC.has(column.dtype)) return <NumberStats column={column} />;
  if (column.dtype === "bool") return <BoolStats column={column} />;
  return <TextStats column={column} />;
}

export function ColumnStatistics({
  columns,
  rows,
  countedRows,
}: {
  columns: ColumnSummary[];
  rows: number;
  countedRows: number;
}) {
  if (columns.length === 0) return <p className="muted">This dataset has no columns.</p>;
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Column statistics</caption>
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">
              Missing
            </th>
            <th scope="col">Statistics</th>
          </tr>
        </thead>
        <tbody>
          {columns.map((column) => (
            <tr key={column.name}>
              <th scope="row">{column.name}</th>
              <td>
                <span className="dtype">{column.dtype}</span>
              </td>
              <td className="num">
                <Missing column={column} rows={rows} />
              </td>
              <td>
                <Statistics column={column} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {countedRows > 0 && countedRows < rows && (
        <p className="muted">Top values are counted over the first {countedRows.toLocaleString()} rows.</p>
      )}
    </div>
  );
}
