// The run's header: what ran, in which experiment, its live status, who started it, when and for
// how long; the connection state; and the actions (cancel, open as draft, re-submit).
import type { ReactNode } from "react";
import { useRunLive, useNow } from "./RunContext";
import { isRunFinal } from "./reducer";
import { formatDuration, formatTime } from "./format";

const RUN_STATUS: Record<string, string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
};

const CONNECTION: Record<string, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  finished: "",
  refused: "Not live",
};

interface Props {
  runId: number;
  pipelineName: string;
  createdBy: string | null | undefined;
  experiment: string | null | undefined;
  children: ReactNode; // the actions
}

export function RunHeader({ runId, pipelineName, createdBy, experiment, children }: Props) {
  const status = useRunLive((s) => s.run.status);
  const error = useRunLive((s) => s.run.error);
  const createdAt = useRunLive((s) => s.run.snapshot?.created_at ?? null);
  const startedAt = useRunLive((s) => s.run.startedAt);
  const finishedAt = useRunLive((s) => s.run.finishedAt);
  const connection = useRunLive((s) => s.connection);
  const problem = useRunLive((s) => s.problem);
  const final = isRunFinal(status);
  const now = useNow(!final && startedAt !== null);
  const seconds = startedAt === null ? null : ((final ? (finishedAt ?? now) : now) - startedAt) / 1000;
  return (
    <header className="run-header">
      <div className="run-header-title">
        <h1>
          {pipelineName || "Pipeline"} <span className="run-header-id">run #{runId}</span>
        </h1>
        <span className={`run-badge run-status-${status}`} data-run-status={status}>
          {RUN_STATUS[status] ?? status}
        </span>
        {CONNECTION[connection] && (
          <span className={`run-connection run-connection-${connection}`} role="status" title={problem || undefined}>
            {CONNECTION[connection]}
          </span>
        )}
      </div>
      <dl className="run-facts">
        <div>
          <dt>Experiment</dt>
          <dd>{experiment || "—"}</dd>
        </div>
        <div>
          <dt>Submitted by</dt>
          <dd>{createdBy || "—"}</dd>
        </div>
        <div>
          <dt>Submitted</dt>
          <dd>{formatTime(createdAt) || "—"}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(seconds) || "—"}</dd>
        </div>
      </dl>
      <div className="run-actions">{children}</div>
      {error && status === "failed" && (
        <p className="run-header-error" role="alert">
          {error}
        </p>
      )}
      {connection === "refused" && problem && <p className="run-header-error">{problem}</p>}
    </header>
  );
}
