// The workspace's custom modules, one table per module key: every version with its status (editors
// change it), which one is the default (the palette offers it), its content hash and author.
import { describeError, STATUSES, useUpdateModule, type CustomModule, type CustomModuleStatus } from "./customModulesApi";

function VersionRow({ row, canEdit, title }: { row: CustomModule; canEdit: boolean; title: string }) {
  const update = useUpdateModule();
  const status = row.status ?? "active";
  return (
    <tr data-version={row.version}>
      <td>v{row.version}</td>
      <td>
        {canEdit ? (
          <select
            aria-label={`Status of ${title} v${row.version}`}
            value={status}
            disabled={update.isPending}
            onChange={(e) => update.mutate({ id: row.id, status: e.target.value as CustomModuleStatus })}
          >
            {STATUSES.map((s) => (
              <option key={s.value} value={s.value} title={s.help}>
                {s.label}
              </option>
            ))}
          </select>
        ) : (
          <span className="status-badge" data-status={status}>
            {STATUSES.find((s) => s.value === status)?.label ?? status}
          </span>
        )}
      </td>
      <td>
        {row.is_default ? (
          <strong>Default</strong>
        ) : canEdit && status !== "disabled" ? (
          <button
            type="button"
            disabled={update.isPending}
            aria-label={`Make default: ${title} v${row.version}`}
            onClick={() => update.mutate({ id: row.id, is_default: true })}
          >
            Make default
          </button>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        <code title={row.content_hash}>{row.content_hash.slice(0, 12)}</code>
        <div className="muted">
          {row.source_kind === "zip" ? `${row.filename || "zip"} → ${row.entry}` : row.filename || row.entry}
        </div>
      </td>
      <td>
        {row.created_by || "—"}
        <div className="muted">{new Date(row.created_at).toLocaleString()}</div>
      </td>
      <td>
        {row.missing_requirements.length > 0 && (
          <span className="inline-error">Missing here: {row.missing_requirements.join("; ")}</span>
        )}
        {update.isError && (
          <p className="inline-error" role="alert">
            {describeError(update.error)}
          </p>
        )}
      </td>
    </tr>
  );
}

export function ModuleVersions({ moduleKey, rows, canEdit }: { moduleKey: string; rows: CustomModule[]; canEdit: boolean }) {
  const newest = rows[0];
  const title = (rows.find((r) => r.is_default) ?? newest).label;
  const headingId = `custom-module-${moduleKey}`;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {title} <span className="muted">({moduleKey}, {newest.category})</span>
      </h2>
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Default</th>
              <th scope="col">Content</th>
              <th scope="col">Registered</th>
              <th scope="col">Notes</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <VersionRow key={row.id} row={row} canEdit={canEdit} title={title} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
