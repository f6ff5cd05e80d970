// Environments (/environments): named, versioned lists of Python packages. Each version is built
// once per contents on the server (a virtual environment); a node picks one in its settings and
// its step runs with those packages. The build's log updates while it runs; a failed build says
// which package, and can be asked again.
import { useId, useState, type FormEvent } from "react";
import { RequireWorkspace } from "../home/RequireWorkspace";
import { ErrorMessage, Loading } from "../home/status";
import { usePageTitle } from "../home/usePageTitle";
import "../home/pages.css";
import { describeError } from "../targets/targetsApi";
import {
  parsePackages,
  useCreateEnvironment,
  useDeleteEnvironment,
  useEnvironmentDetail,
  useEnvironments,
  useRebuildEnvironment,
  useUpdateEnvironment,
  type Environment,
} from "./environmentsApi";

function PackagesForm(props: {
  initialName?: string;
  initialPackages?: string[];
  pending: boolean;
  onSubmit(input: { name: string; packages: string[] }): Promise<unknown>;
  onCancel?(): void;
}) {
  const id = useId();
  const editing = props.initialName !== undefined;
  const [name, setName] = useState(props.initialName ?? "");
  const [text, setText] = useState((props.initialPackages ?? []).join("\n"));
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      await props.onSubmit({ name: name.trim(), packages: parsePackages(text) });
      if (!editing) {
        setName("");
        setText("");
      }
    } catch (e) {
      setProblem(describeError(e));
    }
  };
  return (
    <form className="upload-form" onSubmit={submit} aria-label={editing ? `Edit ${props.initialName}` : "New environment"}>
      {!editing && (
        <label htmlFor={`${id}-name`}>
          Name
          <input id={`${id}-name`} value={name} maxLength={64} required pattern="[a-z0-9][a-z0-9_\-]{0,63}"
            title="lowercase letters, digits, '_' or '-'" onChange={(e) => setName(e.target.value)} />
        </label>
      )}
      <label htmlFor={`${id}-packages`} className="wide">
        Packages (one requirement a line, e.g. six==1.16.0)
        <textarea id={`${id}-packages`} rows={4} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <div className="upload-actions wide">
        <button type="submit" disabled={props.pending}>
          {editing ? "Save as a new version" : "Create environment"}
        </button>{" "}
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
      {problem && (
        <p className="inline-error wide" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

function BuildLog({ id }: { id: number }) {
  const detail = useEnvironmentDetail(id);
  if (detail.isPending) return <Loading what="the build log" />;
  if (detail.isError) return <ErrorMessage what="the build log" error={detail.error} onRetry={() => detail.refetch()} />;
  const build = detail.data.build;
  return (
    <pre className="log" aria-label={`Build log of ${detail.data.reference}`} aria-live="polite">
      {build?.log || "(nothing yet)"}
    </pre>
  );
}

function EnvironmentRow({ env, canEdit }: { env: Environment; canEdit: boolean }) {
  const [editing, setEditing] = useState(false);
  const [showLog, setShowLog] = useState(false);
  const update = useUpdateEnvironment();
  const rebuild = useRebuildEnvironment();
  const remove = useDeleteEnvironment();
  const [problem, setProblem] = useState<string | null>(null);
  const status = env.build?.status ?? "queued";
  return (
    <>
      <tr data-environment={env.reference} data-status={status}>
        <td>
          <strong>{env.name}</strong> <span className="muted">v{env.version}</span>
        </td>
        <td>{env.packages.length ? env.packages.join(", ") : <span className="muted">none</span>}</td>
        <td>
          <span className={`status status-${status}`}>{status}</span>
          {env.build?.error && (
            <p className="inline-error" role="alert">
              {env.build.error}
            </p>
          )}
        </td>
        <td>
          <button type="button" aria-expanded={showLog} onClick={() => setShowLog(!showLog)}>
            Log of {env.reference}
          </button>{" "}
          {canEdit && (
            <>
              <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
                Edit {env.reference}
              </button>{" "}
              {status === "failed" && (
                <button type="button" disabled={rebuild.isPending}
                  onClick={() => rebuild.mutateAsync(env.id).catch((e) => setProblem(describeError(e)))}>
                  Rebuild {env.reference}
                </button>
              )}{" "}
              <button type="button" disabled={remove.isPending}
                onClick={() => {
                  if (!window.confirm(`Remove ${env.reference}? Nodes naming it will not compile.`)) return;
                  remove.mutateAsync(env.id).catch((e) => setProblem(describeError(e)));
                }}>
                Remove {env.reference}
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
      {showLog && (
        <tr>
          <td colSpan={4}>
            <BuildLog id={env.id} />
          </td>
        </tr>
      )}
      {editing && (
        <tr>
          <td colSpan={4}>
            <PackagesForm initialName={env.name} initialPackages={env.packages} pending={update.isPending}
              onCancel={() => setEditing(false)}
              onSubmit={async ({ packages }) => {
                await update.mutateAsync({ id: env.id, packages });
                setEditing(false);
              }} />
          </td>
        </tr>
      )}
    </>
  );
}

function EnvironmentIndex({ workspace, name, canEdit }: { workspace: string; name: string; canEdit: boolean }) {
  const environments = useEnvironments(workspace);
  const create = useCreateEnvironment();
  return (
    <div className="stack">
      <header className="page-header">
        <div>
          <h1>Environments</h1>
          <p className="muted">
            in {name} — Python packages a node runs with: pick one in a node's settings; each version is built once
          </p>
        </div>
      </header>
      {canEdit ? (
        <section className="panel">
          <PackagesForm pending={create.isPending} onSubmit={(input) => create.mutateAsync({ workspace, ...input })} />
        </section>
      ) : (
        <p className="muted">You can read this workspace; only its editors and owners add or change environments.</p>
      )}
      {environments.isPending && <Loading what="the environments" />}
      {environments.isError && (
        <ErrorMessage what="the environments" error={environments.error} onRetry={() => environments.refetch()} />
      )}
      {environments.data && (
        <section className="panel" aria-label="Environments">
          {environments.data.length === 0 ? (
            <p className="muted">No environment yet: steps run with the server's own packages.</p>
          ) : (
            <div className="table-scroll">
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Packages</th>
                    <th scope="col">Build</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {environments.data.map((env) => (
                    <EnvironmentRow key={env.id} env={env} canEdit={canEdit} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </div>
  );
}

export function EnvironmentsPage() {
  usePageTitle("Environments");
  return (
    <div className="list-page">
      <RequireWorkspace title="Environments">
        {(w) => <EnvironmentIndex workspace={w.slug} name={w.name} canEdit={w.role !== "viewer"} />}
      </RequireWorkspace>
    </div>
  );
}
