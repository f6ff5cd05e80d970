// Compute targets (/targets): where a pipeline's steps run. The server's built-in targets (`local`)
// are every workspace's; a workspace adds its own — a second local pool, a Docker image with
// limits, a Celery queue — which a pipeline names as its default target or a node as its own.
// Changes take effect at the next step launched, without restarting anything.
import { useState } from "react";
import { RequireWorkspace } from "../home/RequireWorkspace";
import { ErrorMessage, Loading } from "../home/status";
import { usePageTitle } from "../home/usePageTitle";
import "../home/pages.css";
import { TargetForm } from "./TargetForm";
import { TargetWorkers } from "./TargetWorkers";
import {
  describeError,
  describeSettings,
  useCreateTarget,
  useDeleteTarget,
  useTargets,
  useUpdateTarget,
  type ComputeTarget,
  type TargetKind,
} from "./targetsApi";

function TargetRow({ target, canEdit }: { target: ComputeTarget; canEdit: boolean }) {
  const [editing, setEditing] = useState(false);
  const update = useUpdateTarget();
  const remove = useDeleteTarget();
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <>
      <tr data-target={target.name}>
        <td>
          <strong>{target.name}</strong>
        </td>
        <td>{target.kind}</td>
        <td>
          {describeSettings(target.kind, target.settings as Record<string, unknown>)}
          <TargetWorkers target={target} />
        </td>
        <td>
          {canEdit && (
            <>
              <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
                Edit {target.name}
              </button>{" "}
              <button
                type="button"
                disabled={remove.isPending}
                onClick={() => {
                  if (!window.confirm(`Remove target ${target.name}? Pipelines naming it will not compile.`)) return;
                  remove.mutateAsync(target.id).catch((e) => setProblem(describeError(e)));
                }}
              >
                Remove {target.name}
              </button>
            </>
          )}
          {problem && (
            <span className="inline-error" role="alert">
              {problem}
            </span>
          )}
        </td>
      </tr>
      {editing && (
        <tr>
          <td colSpan={4}>
            <TargetForm
              existing={{ name: target.name, kind: target.kind as TargetKind, settings: target.settings as Record<string, unknown> }}
              pending={update.isPending}
              onCancel={() => setEditing(false)}
              onSubmit={async ({ settings }) => {
                await update.mutateAsync({ id: target.id, settings });
                setEditing(false);
              }}
            />
          </td>
        </tr>
      )}
    </>
  );
}

function TargetIndex({ workspace, name, canEdit }: { workspace: string; name: string; canEdit: boolean }) {
  const targets = useTargets(workspace);
  const create = useCreateTarget();
  return (
    <div className="stack">
      <header className="page-header">
        <div>
          <h1>Compute targets</h1>
          <p className="muted">
            in {name} — where steps run: a pipeline names its default target, any node may name its own
          </p>
        </div>
      </header>
      {canEdit ? (
        <section className="panel">
          <TargetForm pending={create.isPending} onSubmit={(input) => create.mutateAsync({ workspace, ...input })} />
        </section>
      ) : (
        <p className="muted">You can read this workspace; only its editors and owners add or change targets.</p>
      )}
      {targets.isPending && <Loading what="the compute targets" />}
      {targets.isError && <ErrorMessage what="the compute targets" error={targets.error} onRetry={() => targets.refetch()} />}
      {targets.data && (
        <section className="panel" aria-label="Targets">
          <div className="table-scroll">
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Settings</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {targets.data.builtin.map((b) => (
                  <tr key={`builtin-${b.name}`} data-target={b.name}>
                    <td>
                      <strong>{b.name}</strong> <span className="muted">(built in)</span>
                    </td>
                    <td>{b.kind}</td>
                    <td>{describeSettings(b.kind, b.settings as Record<string, unknown>)}</td>
                    <td className="muted">always there</td>
                  </tr>
                ))}
                {targets.data.targets.map((t) => (
                  <TargetRow key={t.id} target={t} canEdit={canEdit} />
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
}

export function TargetsPage() {
  usePageTitle("Compute targets");
  return (
    <div className="list-page">
      <RequireWorkspace title="Compute targets">
        {(w) => <TargetIndex workspace={w.slug} name={w.name} canEdit={w.role !== "viewer"} />}
      </RequireWorkspace>
    </div>
  );
}
