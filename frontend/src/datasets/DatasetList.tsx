// The workspace's datasets by name: how many versions, and the newest version's rows, size and date.
import { Link } from "react-router-dom";
import { formatBytes, formatDateTime, formatRelative } from "../home/format";
import type { DatasetGroup } from "./datasetsApi";

export function DatasetList({ groups }: { groups: DatasetGroup[] }) {
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Datasets</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col" className="num">
              Versions
            </th>
            <th scope="col" className="num">
              Rows
            </th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {groups.map(({ name, versions }) => {
            const latest = versions[0];
            return (
              <tr key={name}>
                <th scope="row">
                  <Link to={`/datasets/${latest.id}`}>{name}</Link>
                  {latest.description && <div className="muted">{latest.description}</div>}
                </th>
                <td className="num">{versions.length}</td>
                <td className="num">{latest.rows?.toLocaleString() ?? "—"}</td>
                <td className="num">{formatBytes(latest.size)}</td>
                <td>
                  <time dateTime={latest.created_at} title={formatDateTime(latest.created_at)}>
                    {formatRelative(latest.created_at)}
                  </time>{" "}
                  <span className="muted">by {latest.created_by}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
