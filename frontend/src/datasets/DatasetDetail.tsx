// One dataset version: what it is, its other versions, its columns' statistics and first rows.
import { Link } from "react-router-dom";
import { useWorkspaces } from "../app/hooks";
import { formatBytes, formatDateTime } from "../home/format";
import { ErrorMessage, Loading } from "../home/status";
import { usePageTitle } from "../home/usePageTitle";
import { ColumnStatistics } from "./ColumnStatistics";
import { useDataset, useDatasetPreview, useDatasetVersions, type DatasetDetail as Detail } from "./datasetsApi";
import { PreviewTable } from "./PreviewTable";
import { UploadForm } from "./UploadForm";

function Versions({ dataset }: { dataset: Detail }) {
  const versions = useDatasetVersions(dataset);
  if (versions.isPending) return <Loading what="the versions" />;
  if (versions.isError) return <ErrorMessage what="the versions" error={versions.error} onRetry={() => versions.refetch()} />;
  return (
    <ol className="draft-list" aria-label={`Versions of ${dataset.name}`} reversed>
      {versions.data.map((v) => (
        <li key={v.id} className="draft-row">
          {v.id === dataset.id ? (
            <strong aria-current="page">v{v.version} (shown)</strong>
          ) : (
            <Link to={`/datasets/${v.id}`}>v{v.version}</Link>
          )}
          <span className="muted">
            {v.rows?.toLocaleString() ?? "?"} rows · {formatBytes(v.size)} · {formatDateTime(v.created_at)} by{" "}
            {v.created_by}
            {v.original_filename && ` · ${v.original_filename}`}
          </span>
        </li>
      ))}
    </ol>
  );
}

function Preview({ id }: { id: number }) {
  const preview = useDatasetPreview(id);
  if (preview.isPending) return <Loading what="the preview and statistics" />;
  if (preview.isError)
    return <ErrorMessage what="the preview and statistics" error={preview.error} onRetry={() => preview.refetch()} />;
  const { columns, rows, counted_rows, preview: head } = preview.data;
  return (
    <>
      <section className="panel" aria-labelledby="stats-heading">
        <h2 id="stats-heading">Columns</h2>
        <ColumnStatistics columns={columns} rows={rows} countedRows={counted_rows} />
      </section>
      <section className="panel" aria-labelledby="rows-heading">
        <h2 id="rows-heading">
          First {head.rows.length} of {rows.toLocaleString()} rows
        </h2>
        <PreviewTable columns={head.columns} rows={head.rows} types={columns} total={rows} />
      </section>
    </>
  );
}

export function DatasetDetail({ id }: { id: number }) {
  const dataset = useDataset(id);
  const workspaces = useWorkspaces();
  usePageTitle(dataset.data && `${dataset.data.name} v${dataset.data.version}`);
  if (dataset.isPending) return <Loading what="the dataset" />;
  if (dataset.isError) return <ErrorMessage what="the dataset" error={dataset.error} onRetry={() => dataset.refetch()} />;
  const d = dataset.data;
  const role = workspaces.data?.find((w) => w.slug === d.workspace)?.role;
  const canEdit = role !== undefined && role !== "viewer";
  return (
    <div className="stack">
      <header className="page-header">
        <div>
          <p className="muted">
            <Link to="/datasets">Datasets</Link> /
          </p>
          <h1>
            {d.name} <span className="muted">v{d.version}</span>
          </h1>
          <p className="muted">
            {d.rows?.toLocaleString() ?? "?"} rows · {formatBytes(d.size)} · {d.source_format}
            {d.original_filename && ` from ${d.original_filename}`} · {formatDateTime(d.created_at)} by {d.created_by}
          </p>
          {d.description && <p>{d.description}</p>}
        </div>
        <div className="row-actions">
          <a href={`/api/v1/datasets/${d.id}/download/?format=csv`} download>
            Download CSV
          </a>
          <a href={`/api/v1/datasets/${d.id}/download/`} download>
            Download Parquet
          </a>
        </div>
      </header>
      <section className="panel" aria-labelledby="versions-heading">
        <h2 id="versions-heading">Versions</h2>
        <Versions dataset={d} />
      </section>
      <Preview id={d.id} />
      {canEdit && (
        <section className="panel">
          <UploadForm workspace={d.workspace} datasetName={d.name} />
        </section>
      )}
    </div>
  );
}
