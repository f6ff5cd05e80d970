// The frame of every page: navigation, the workspace switcher and sign-out.
import { NavLink, Outlet } from "react-router-dom";
import { csrfToken } from "../api/client";
import { useCurrentWorkspace, useMe, useWorkspaces } from "./hooks";
import { useWorkspaceStore } from "./workspace";

function WorkspaceSwitcher() {
  const { data: workspaces } = useWorkspaces();
  const current = useCurrentWorkspace();
  const setWorkspace = useWorkspaceStore((s) => s.setWorkspace);
  if (!workspaces || !current) return null;
  if (workspaces.length === 1) return <span className="workspace-name">{current.name}</span>;
  return (
    <label className="workspace-switcher">
      <span className="visually-hidden">Workspace</span>
      <select value={current.id} onChange={(e) => setWorkspace(Number(e.target.value))}>
        {workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Layout() {
  const { data: me } = useMe();
  return (
    <div className="app">
      <header className="app-header">
        <a className="brand" href="/">
          Graphwright
        </a>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Pipelines
          </NavLink>
          <NavLink to="/runs">Runs</NavLink>
          <NavLink to="/datasets">Datasets</NavLink>
          <NavLink to="/modules">Modules</NavLink>
          <NavLink to="/custom-modules">Custom modules</NavLink>
          <NavLink to="/targets">Compute</NavLink>
          <NavLink to="/environments">Environments</NavLink>
        </nav>
        <div className="header-end">
          <WorkspaceSwitcher />
          {me && <span className="user-name">{me.username}</span>}
          <form method="post" action="/logout/">
            <input type="hidden" name="csrfmiddlewaretoken" value={csrfToken()} />
            <button type="submit">Sign out</button>
          </form>
        </div>
      </header>
      <main className="app-main">
        <Outlet />
      </main>
    </div>
  );
}
