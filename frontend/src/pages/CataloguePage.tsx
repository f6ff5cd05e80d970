// The module catalogue: search and categories (kept in the URL), each module's help, ports and
// parameters at /modules/<key>/<version>.
import { Link, useParams, useSearchParams } from "react-router-dom";
import { ModuleDetail } from "../catalogue/ModuleDetail";
import { ModuleList } from "../catalogue/ModuleList";
import { useModules } from "../catalogue/catalogueApi";
import { ErrorMessage, Loading } from "../home/status";
import { usePageTitle } from "../home/usePageTitle";
import "../home/pages.css";

export function CataloguePage() {
  const { key, version } = useParams();
  const [params, setParams] = useSearchParams();
  const modules = useModules();
  const query = params.get("q") ?? "";
  const category = params.get("category") || null;

  function update(name: "q" | "category", value: string | null) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: name === "q" }); // typing is not a history entry per letter
  }

  const selected = key && version ? { key, version } : null;
  const module = selected && modules.data?.find((m) => m.key === key && m.version === version);
  usePageTitle(module ? `${module.label} · Modules` : "Modules");
  const search = params.toString() ? `?${params}` : "";

  return (
    <div className="list-page">
      <header className="page-header">
        <div>
          <h1>Modules</h1>
          <p className="muted">The building blocks of a pipeline: their inputs, outputs and parameters.</p>
        </div>
      </header>
      {modules.isPending && <Loading what="the module catalogue" />}
      {modules.isError && (
        <ErrorMessage what="the module catalogue" error={modules.error} onRetry={() => modules.refetch()} />
      )}
      {modules.data && (
        <div className="catalogue">
          <ModuleList
            modules={modules.data}
            query={query}
            category={category}
            selected={selected}
            onQuery={(q) => update("q", q)}
            onCategory={(c) => update("category", c)}
            linkSearch={search}
          />
          {module ? (
            <ModuleDetail module={module} />
          ) : selected ? (
            <div className="panel" role="alert">
              <h2>Module not found</h2>
              <p>
                There is no module “{key}” version {version} in the catalogue.{" "}
                <Link to={`/modules${search}`}>Back to all modules</Link>
              </p>
            </div>
          ) : (
            <div className="panel">
              <h2>Choose a module</h2>
              <p className="muted">
                {modules.data.length} modules in {new Set(modules.data.map((m) => m.category)).size} categories. Pick
                one to read its help, its typed ports and its parameters.
              </p>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
