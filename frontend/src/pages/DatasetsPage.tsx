// Datasets: the workspace's list with an upload form (/datasets), or one version with its versions,
// statistics and first rows (/datasets/<id>).
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { RequireWorkspace } from "../home/RequireWorkspace";
import { DatasetDetail } from "../datasets/DatasetDetail";
import { DatasetList } from "../datasets/DatasetList";
import { LIST_LIMIT, groupByName, useDatasetList } from "../datasets/datasetsApi";
import { PendingUploads } from "../datasets/PendingUploads";
import { UploadForm } from "../datasets/UploadForm";
import type { UploadSession } from "../datasets/upload";
import { ErrorMessage, Loading } from "../home/status";
import { usePageTitle } from "../home/usePageTitle";
import "../home/pages.css";

function DatasetIndex({ workspace, name, canEdit }: { workspace: string; name: string; canEdit: boolean }) {
  const datasets = useDatasetList(workspace);
  const [resume, setResume] = useState<UploadSession | undefined>();
  return (
    <div className="stack">
      <header className="page-header">
        <div>
          <h1>Datasets</h1>
          <p className="muted">in {name}</p>
        </div>
      </header>
      {canEdit && (
        <section className="panel">
          <UploadForm key={resume?.id ?? "new"} workspace={workspace} resume={resume} />
        </section>
      )}
      {canEdit && <PendingUploads workspace={workspace} onResume={setResume} />}
      <section aria-labelledby="dataset-list-heading">
        <h2 id="dataset-list-heading" className="visually-hidden">
          All datasets
        </h2>
        {datasets.isPending && <Loading what="the datasets" />}
        {datasets.isError && (
          <ErrorMessage what="the datasets" error={datasets.error} onRetry={() => datasets.refetch()} />
        )}
        {datasets.data?.count === 0 && (
          <div className="empty-state">
            <p>No datasets in this workspace yet.</p>
            {canEdit && <p className="muted">Upload a CSV or Parquet file above to use it in a pipeline.</p>}
          </div>
        )}
        {datasets.data && datasets.data.count > 0 && <DatasetList groups={groupByName(datasets.data.results)} />}
        {datasets.data && datasets.data.count > LIST_LIMIT && (
          <p className="muted">Showing the first {LIST_LIMIT} of {datasets.data.count} dataset versions.</p>
        )}
      </section>
    </div>
  );
}

export function DatasetsPage() {
  const { datasetId } = useParams();
  usePageTitle(datasetId === undefined ? "Datasets" : null); // a dataset's page names the dataset
  let body;
  if (datasetId !== undefined) {
    const id = Number(datasetId);
    body = Number.isSafeInteger(id) && id > 0 ? (
      <DatasetDetail key={id} id={id} />
    ) : (
      <div role="alert">
        <h1>Dataset not found</h1>
        <p>
          “{datasetId}” is not a dataset id. <Link to="/datasets">All datasets</Link>
        </p>
      </div>
    );
  } else {
    body = (
      <RequireWorkspace title="Datasets">
        {(w) => <DatasetIndex workspace={w.slug} name={w.name} canEdit={w.role !== "viewer"} />}
      </RequireWorkspace>
    );
  }
  return <div className="list-page">{body}</div>;
}
