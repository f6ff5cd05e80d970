// Every run of the workspace, filtered by pipeline, experiment and status (kept in the URL).
import { useSearchParams } from "react-router-dom";
import { Pager } from "../home/Pager";
import { RequireWorkspace } from "../home/RequireWorkspace";
import { ErrorMessage, Loading } from "../home/status";
import { filtersToParams, hasFilters, parseFilters, withFilter, type RunFilters as Filters } from "../runlist/filters";
import { RunFilters } from "../runlist/RunFilters";
import { RunTable } from "../runlist/RunTable";
import { RUN_PAGE, useExperiments, usePipelineChoices, useRuns } from "../runlist/runsApi";
import { usePageTitle } from "../home/usePageTitle";
import "../home/pages.css";

export function RunsPage() {
  usePageTitle("Runs");
  return (
    <div className="list-page">
      <RequireWorkspace title="Runs">{(w) => <WorkspaceRuns workspace={w.slug} name={w.name} />}</RequireWorkspace>
    </div>
  );
}

function WorkspaceRuns({ workspace, name }: { workspace: string; name: string }) {
  const [params, setParams] = useSearchParams();
  const filters = parseFilters(params);
  const runs = useRuns(workspace, filters);
  const pipelines = usePipelineChoices(workspace);
  const experiments = useExperiments(workspace);
  const show = (next: Filters) => setParams(filtersToParams(next));

  return (
    <>
      <header className="page-header">
        <div>
          <h1>Runs</h1>
          <p className="muted">in {name}</p>
        </div>
      </header>
      <RunFilters
        filters={filters}
        choices={{ pipelines: pipelines.data ?? [], experiments: experiments.data ?? [] }}
        onChange={(key, value) => show(withFilter(filters, key, value))}
        onClear={() => show({ pipeline: null, experiment: null, status: null, offset: 0 })}
      />
      {runs.isPending && <Loading what="the runs" />}
      {runs.isError && <ErrorMessage what="the runs" error={runs.error} onRetry={() => runs.refetch()} />}
      {runs.data && runs.data.count === 0 && (
        <div className="empty-state">
          {hasFilters(filters) ? (
            <p>No run matches these filters.</p>
          ) : (
            <>
              <p>No runs in this workspace yet.</p>
              <p className="muted">Open a pipeline and submit it to start one.</p>
            </>
          )}
        </div>
      )}
      {runs.data && runs.data.count > 0 && (
        <>
          <RunTable runs={runs.data.results} />
          <Pager
            label="Run pages"
            offset={filters.offset}
            limit={RUN_PAGE}
            count={runs.data.count}
            onOffset={(offset) => show({ ...filters, offset })}
          />
        </>
      )}
    </>
  );
}
