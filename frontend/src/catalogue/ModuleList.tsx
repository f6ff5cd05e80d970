// The catalogue's index: a search box, category buttons, and the matching modules by category.
import { Link } from "react-router-dom";
import { byCategory, searchModules, type Module } from "./catalogueApi";

export function ModuleList({
  modules,
  query,
  category,
  selected,
  onQuery,
  onCategory,
  linkSearch,
}: {
  modules: Module[];
  query: string;
  category: string | null;
  selected: { key: string; version: string } | null;
  onQuery: (query: string) => void;
  onCategory: (category: string | null) => void;
  linkSearch: string;
}) {
  const categories = byCategory(modules).map(([name]) => name);
  const groups = byCategory(searchModules(modules, query, category));
  const found = groups.reduce((n, [, list]) => n + list.length, 0);
  return (
    <nav aria-label="Modules" className="panel">
      <label>
        <span className="visually-hidden">Search modules</span>
        <input
          type="search"
          placeholder="Search modules"
          value={query}
          onChange={(e) => onQuery(e.target.value)}
          style={{ width: "100%" }}
        />
      </label>
      <div className="category-filter" role="group" aria-label="Categories">
        <button type="button" aria-pressed={category === null} onClick={() => onCategory(null)}>
          All
        </button>
        {categories.map((name) => (
          <button key={name} type="button" aria-pressed={category === name} onClick={() => onCategory(name)}>
            {name}
          </button>
        ))}
      </div>
      <p className="visually-hidden" role="status">
        {found} {found === 1 ? "module" : "modules"} found
      </p>
      {found === 0 && <p className="muted">No module matches “{query}”{category ? ` in ${category}` : ""}.</p>}
      {groups.map(([name, list]) => (
        <section key={name} className="module-group" aria-label={name}>
          <h3>{name}</h3>
          <ul>
            {list.map((m) => {
              const current = selected?.key === m.key && selected.version === m.version;
              return (
                <li key={`${m.key}/${m.version}`}>
                  <Link
                    to={`/modules/${m.key}/${m.version}${linkSearch}`}
                    aria-current={current ? "page" : undefined}
                    title={m.description}
                  >
                    {m.label}
                    {modules.some((o) => o.key === m.key && o.version !== m.version) && (
                      <span className="muted"> v{m.version}</span>
                    )}
                  </Link>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </nav>
  );
}
