// The first rows of a dataset, with each column's type in its header.
import type { ColumnSummary } from "./datasetsApi";

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export function PreviewTable({
  columns,
  rows,
  types,
  total,
}: {
  columns: string[];
  rows: unknown[][];
  types: ColumnSummary[];
  total: number;
}) {
  const dtype = new Map(types.map((c) => [c.name, c.dtype]));
  const numeric = columns.map((name) => dtype.get(name) === "int" || dtype.get(name) === "float");
  return (
    <div className="table-scroll" style={{ maxHeight: "28rem" }} tabIndex={0} aria-label="First rows (scrollable)">
      <table className="data-table">
        <caption className="visually-hidden">
          The first {rows.length} of {total} rows
        </caption>
        <thead>
          <tr>
            {columns.map((name) => (
              <th key={name} scope="col" className={numeric[columns.indexOf(name)] ? "num" : ""}>
                {name} <span className="dtype">{dtype.get(name) ?? "?"}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {row.map((value, j) => (
                <td key={j} className={numeric[j] ? "num" : ""}>
                  {value === null ? <span className="muted">missing</span> : cell(value)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
