// The runs of one page: status, pipeline, experiment, who, when and how long; each row opens the run.
import { Link } from "react-router-dom";
import { formatDateTime, formatDuration, formatRelative } from "../home/format";
import { durationOf, pipelineOf, whoOf, type RunRow } from "./runsApi";

export function StatusBadge({ status }: { status: string | undefined }) {
  return (
    <span className="status-badge" data-status={status}>
      {status ?? "unknown"}
    </span>
  );
}

export function RunTable({ runs }: { runs: RunRow[] }) {
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Runs</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Pipeline</th>
            <th scope="col">Experiment</th>
            <th scope="col">Submitted by</th>
            <th scope="col">Submitted</th>
            <th scope="col" className="num">
              Duration
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id}>
              <td>
                <Link to={`/runs/${run.id}`} aria-label={`Run ${run.id} of ${pipelineOf(run)}`}>
                  #{run.id}
                </Link>
              </td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>{pipelineOf(run)}</td>
              <td>{run.experiment || <span className="muted">—</span>}</td>
              <td>{whoOf(run) ?? <span className="muted">a script</span>}</td>
              <td>
                <time dateTime={run.created_at} title={formatDateTime(run.created_at)}>
                  {formatRelative(run.created_at)}
                </time>
              </td>
              <td className="num">{formatDuration(durationOf(run))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
