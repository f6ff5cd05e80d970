// Custom modules (/custom-modules): register a module from a Python file or a zip, and manage its
// versions — deprecate, disable, choose the default the palette offers.
import { RequireWorkspace } from "../home/RequireWorkspace";
import { ErrorMessage, Loading } from "../home/status";
import { usePageTitle } from "../home/usePageTitle";
import "../home/pages.css";
import { groupByKey, useCustomModules } from "./customModulesApi";
import { ModuleVersions } from "./ModuleVersions";
import { RegisterForm } from "./RegisterForm";

function CustomModuleIndex({ workspace, name, canEdit }: { workspace: string; name: string; canEdit: boolean }) {
  const modules = useCustomModules(workspace);
  return (
    <div className="stack">
      <header className="page-header">
        <div>
          <h1>Custom modules</h1>
          <p className="muted">
            in {name} — modules written in Python by your team, run as user code in a process of their own
          </p>
        </div>
      </header>
      {canEdit ? (
        <section className="panel">
          <RegisterForm workspace={workspace} />
        </section>
      ) : (
        <p className="muted">You can read this workspace; only its editors and owners register or change modules.</p>
      )}
      {modules.isPending && <Loading what="the custom modules" />}
      {modules.isError && <ErrorMessage what="the custom modules" error={modules.error} onRetry={() => modules.refetch()} />}
      {modules.data?.length === 0 && (
        <div className="empty-state">
          <p>No custom modules in this workspace yet.</p>
        </div>
      )}
      {modules.data &&
        groupByKey(modules.data).map(([key, rows]) => <ModuleVersions key={key} moduleKey={key} rows={rows} canEdit={canEdit} />)}
    </div>
  );
}

export function CustomModulesPage() {
  usePageTitle("Custom modules");
  return (
    <div className="list-page">
      <RequireWorkspace title="Custom modules">
        {(w) => <CustomModuleIndex workspace={w.slug} name={w.name} canEdit={w.role !== "viewer"} />}
      </RequireWorkspace>
    </div>
  );
}
